"""The tables. Unique keys, not memory, decide what happened once (DESIGN principle 5)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which stores naive) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    pass


class PersonRecord(Base):
    """What the bot learned about a person in chat: identities and the area they gave."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(255))  # e-mail, or a chat identity
    area: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(2))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("org", "user", name="uq_people_org_user"),)


class Turn(Base):
    """A redacted line of conversation, so a ticket can carry what led to it."""

    __tablename__ = "turns"
    id: Mapped[int] = mapped_column(primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(255))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    who: Mapped[str] = mapped_column(String(8))  # user | bot
    text: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_turns_org_user_at", "org", "user", "at"),)


class Draft(Base):
    """A request shown to the asker for confirmation, before it becomes a ticket."""

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the inbound message id
    org: Mapped[str] = mapped_column(String(64))
    requester: Mapped[str] = mapped_column(String(255))
    route: Mapped[dict] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TicketCounter(Base):
    __tablename__ = "ticket_counters"
    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    human_id: Mapped[str] = mapped_column(String(32), unique=True)
    org: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(255))  # inbound message id: idempotency
    requester: Mapped[str] = mapped_column(String(255))
    requester_area: Mapped[str | None] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(255))
    function: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8))  # normal | urgent
    state: Mapped[str] = mapped_column(String(16))  # open | claimed | resolved | cancelled
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("org", "source_id", name="uq_tickets_source"),
        Index("ix_tickets_state_due", "state", "due_at"),
        Index("ix_tickets_org_assignee", "org", "assignee"),
        Index("ix_tickets_org_created", "org", "created_at"),
    )


class TicketEvent(Base):
    """The audit trail: every change of a ticket, who made it and when."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_ticket_events_ticket", "ticket_id"),)


class InboxMessage(Base):
    """An acknowledged event, interaction or activity, committed before the ack; a worker
    answers it. Its payload is cleared once handled (it may hold what the guard redacts)."""

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending|working|done|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_inbox_status_available", "status", "available_at"),)


class OutboxMessage(Base):
    """Every notification is a row first; a worker delivers it, with retry and backoff."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    org: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending|sending|sent|failed|skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_outbox_status_available", "status", "available_at"),)


class Goal(Base):
    """A unit's communication goal for a year (the unit is its leader's)."""

    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    leader: Mapped[str] = mapped_column(String(255))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3… within the unit and year
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="not_set")
    comment: Mapped[str] = mapped_column(Text, default="")
    status_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("org", "leader", "year", "number", name="uq_goal_number"),)


class GoalChange(Base):
    """History: every goal added or status set, by whom and when."""

    __tablename__ = "goal_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_goal_changes_goal", "goal_id"),)


class LeaderPreference(Base):
    """A leader's own say: opted out of nudges, or done for a year."""

    __tablename__ = "leader_preferences"
    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    leader: Mapped[str] = mapped_column(String(255), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(default=False)
    done_year: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Nudge(Base):
    """One planned nudge: (plan, leader, step, occurrence) is its key, so a retry, a restart
    or a second process never sends it twice."""

    __tablename__ = "nudges"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    org: Mapped[str] = mapped_column(String(64))
    leader: Mapped[str] = mapped_column(String(255))
    step: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # planned|sent|missed|skipped|snoozed
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        Index("ix_nudges_status_due", "status", "due_at"),
        Index("ix_nudges_org_leader_year", "org", "leader", "year"),
    )


class AnswerRecord(Base):
    """What was asked and how the bot answered (the text only redacted, and dropped after
    the retention period; never kept when it held a personal number)."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    org: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    entry: Mapped[str | None] = mapped_column(String(128))
    intent: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(default=0.0)
    language: Mapped[str] = mapped_column(String(2))
    knowledge_version: Mapped[str] = mapped_column(String(32))
    question: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_answers_org_at", "org", "at"),)


class FeedbackRecord(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    org: Mapped[str] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str | None] = mapped_column(String(255))  # the answer it is about
    entry: Mapped[str | None] = mapped_column(String(128))
    verdict: Mapped[str] = mapped_column(String(16))  # helpful | not_helpful | none_of_these
    reason: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2))
    knowledge_version: Mapped[str] = mapped_column(String(32))
    __table_args__ = (Index("ix_feedback_org_at", "org", "at"),)


class ConversationRef(Base):
    """Where to reach a person proactively in Teams: a conversation reference in the wire
    format, which botbuilder and the Agents SDK share. The tenant id is kept apart
    (botbuilder dropped it when it serialised a reference)."""

    __tablename__ = "conversation_refs"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user: Mapped[str] = mapped_column(String(255))
    org: Mapped[str] = mapped_column(String(64))
    reference: Mapped[dict] = mapped_column(JSON)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("channel", "user", name="uq_conversation_refs_user"),)


class PostedCard(Base):
    """A ticket notice with buttons, as it was posted (a Slack channel and ts, or a Teams
    activity id): when the ticket changes it is rewritten in place, for everyone who sees
    it, so nobody presses Claim on a ticket someone else already took."""

    __tablename__ = "posted_cards"
    id: Mapped[int] = mapped_column(primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    ticket: Mapped[str] = mapped_column(String(32))  # the human id
    recipient: Mapped[str] = mapped_column(String(255))
    platform: Mapped[str] = mapped_column(String(16))
    message: Mapped[dict] = mapped_column(JSON)  # where it is: channel and ts, or activity id
    notice: Mapped[dict] = mapped_column(JSON)  # what it said, to read again as of now
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_posted_cards_ticket", "org", "ticket"),)


class DashboardLink(Base):
    """A one-time sign-in link: only its hash is stored; used once, within ten minutes."""

    __tablename__ = "dashboard_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DashboardSession(Base):
    """A signed-in browser: the cookie holds the session id, never who it is."""

    __tablename__ = "dashboard_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(255))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
