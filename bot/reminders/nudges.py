"""Planning and sending nudges: idempotent rows in the database decide, not memory.

`plan` inserts one row per (plan, leader, step, year) and does nothing for rows that
exist; `run_due` sends what is due through the outbox under the same key, or records it
as missed when the bot was down for longer than the plan's grace period — a missed nudge
is reported (logged, and listed by `kombot reminders preview`), never silently skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.knowledge.loader import Knowledge, OrgKnowledge
from bot.languages import Lang
from bot.reminders import calendar
from bot.reminders.goals import GoalRegister
from bot.storage.models import LeaderPreference, Nudge, OutboxMessage
from bot.storage.outbox import enqueue

log = logging.getLogger("kombot.reminders")

SNOOZE = dt.timedelta(days=7)
NUDGE_ACTIONS = ("goals_show", "snooze", "goals_done", "opt_out")


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


class Reminders:
    def __init__(
        self,
        knowledge: Knowledge,
        sessions: sessionmaker[Session],
        clock: Clock,
        goals: GoalRegister,
    ):
        self.knowledge = knowledge
        self.sessions = sessions
        self.clock = clock
        self.goals = goals

    # --- planning ----------------------------------------------------------------------
    def plan(self, year: int, org_ids: list[str] | None = None) -> int:
        """Insert the year's nudges (idempotent); returns how many rows it added."""
        rows = [
            {
                "key": o.key,
                "org": o.org,
                "leader": o.leader.email,
                "step": o.step.id,
                "year": o.year,
                "due_at": o.due_at,
                "status": "planned",
            }
            for org_id in (org_ids or sorted(self.knowledge.orgs))
            for o in calendar.occurrences(self.knowledge.org(org_id), year)
        ]
        if not rows:
            return 0
        added = 0
        with self.sessions.begin() as session:
            insert = _insert(session)
            for start in range(0, len(rows), 1000):
                result = session.execute(
                    insert(Nudge)
                    .values(rows[start : start + 1000])
                    .on_conflict_do_nothing(index_elements=["key"])
                    .returning(Nudge.id)
                )
                added += len(result.all())
        return added

    # --- sending -------------------------------------------------------------------------
    def run_due(self) -> RunReport:
        now = self.clock.now()
        self.plan(now.year)
        self.plan(now.year + 1)  # nudges before a January meeting fall in the year before
        report = RunReport()
        with self.sessions.begin() as session:
            due = list(
                session.scalars(
                    select(Nudge)
                    .where(Nudge.status == "planned", Nudge.due_at <= now)
                    .order_by(Nudge.due_at)
                    .with_for_update(skip_locked=True)
                )
            )
            for nudge in due:
                org = self.knowledge.orgs.get(nudge.org)
                leader = org.directory.leader(nudge.leader) if org else None
                if org is None or leader is None:  # gone from the directory since planned
                    nudge.status = "skipped"
                    report.skipped.append(nudge.key)
                    continue
                preference = session.get(LeaderPreference, (nudge.org, nudge.leader))
                if preference and (preference.opted_out or preference.done_year == nudge.year):
                    nudge.status = "skipped"
                    report.skipped.append(nudge.key)
                    continue
                late = now - nudge.due_at
                if late > dt.timedelta(hours=org.plan.grace_hours):
                    nudge.status = "missed"
                    report.missed.append(nudge.key)
                    log.warning(
                        "nudge missed (bot down past the grace period) key=%s late=%s",
                        nudge.key,
                        late,
                    )
                    continue
                self._send(session, org, nudge, now)
                report.sent.append(nudge.key)
                if self._escalate(session, org, nudge, now):
                    report.escalated.append(nudge.leader)
        return report

    def _send(self, session: Session, org: OrgKnowledge, nudge: Nudge, now: dt.datetime) -> None:
        leader = org.directory.leader(nudge.leader)
        lang = self._lang(org, nudge.leader)
        step = next(s for s in org.plan.steps if s.id == nudge.step)
        goals = self.goals.goals(org.id, nudge.leader, nudge.year)
        listing = "\n".join(
            f"{g.number}. {g.text} ({self.knowledge.message('goal_' + g.status, lang)})"
            for g in goals
        ) or self.knowledge.message("no_goals_yet", lang)
        text = step.message[lang].format(
            meeting=calendar.meeting_in(leader, nudge.year).isoformat(),
            year=nudge.year,
            unit=leader.unit.get(lang) or next(iter(leader.unit.values())),
            goals=listing,
        )
        choices = [
            {
                "label": self.knowledge.message(name, lang),
                "action": {"name": name, "value": str(nudge.year), "lang": lang},
            }
            for name in NUDGE_ACTIONS
        ]
        enqueue(
            session,
            key=nudge.key,
            org=org.id,
            recipient=nudge.leader,
            payload={"text": text, "choices": choices, "language": lang, "nudge": nudge.key},
            now=now,
        )
        nudge.status, nudge.sent_at = "sent", now

    def _escalate(
        self, session: Session, org: OrgKnowledge, nudge: Nudge, now: dt.datetime
    ) -> bool:
        """Flag a leader who left N nudges unanswered to their area's contact person, once."""
        unanswered = session.scalar(
            select(func.count())
            .select_from(Nudge)
            .where(
                Nudge.org == org.id,
                Nudge.leader == nudge.leader,
                Nudge.year == nudge.year,
                Nudge.status == "sent",
                Nudge.answered_at.is_(None),
            )
        )
        if unanswered < org.plan.escalate_after_unanswered:
            return False
        leader = org.directory.leader(nudge.leader)
        area = org.directory.area(leader.area)
        contact = area.contact_person
        lang = self._lang(org, contact)
        name = org.directory.person(leader.email).name
        text = self.knowledge.message(
            "leader_not_responding",
            lang,
            name=name,
            unit=leader.unit.get(lang) or next(iter(leader.unit.values())),
            count=unanswered,
            year=nudge.year,
        )
        key = f"escalation:{org.id}:{nudge.leader}:{nudge.year}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)):
            return False
        enqueue(
            session,
            key=key,
            org=org.id,
            recipient=contact,
            payload={"text": text, "choices": [], "language": lang},
            now=now,
        )
        return True

    # --- what leaders say ------------------------------------------------------------------
    def answered(self, org_id: str, leader: str, year: int) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            session.execute(
                update(Nudge)
                .where(
                    Nudge.org == org_id,
                    Nudge.leader == leader,
                    Nudge.year == year,
                    Nudge.status == "sent",
                    Nudge.answered_at.is_(None),
                )
                .values(answered_at=now)
            )

    def snooze(self, org_id: str, leader: str, year: int) -> dt.datetime:
        """The last nudge again in a week."""
        now = self.clock.now()
        self.answered(org_id, leader, year)
        with self.sessions.begin() as session:
            last = session.scalar(
                select(Nudge)
                .where(
                    Nudge.org == org_id,
                    Nudge.leader == leader,
                    Nudge.year == year,
                    Nudge.status == "sent",
                )
                .order_by(Nudge.sent_at.desc())
                .limit(1)
            )
            if last is None:
                return now + SNOOZE
            last.status = "snoozed"
            count = session.scalar(
                select(func.count())
                .select_from(Nudge)
                .where(Nudge.key.like(f"{last.key}:snooze:%"))
            )
            session.execute(
                _insert(session)(Nudge)
                .values(
                    key=f"{last.key.split(':snooze:')[0]}:snooze:{count + 1}",
                    org=org_id,
                    leader=leader,
                    step=last.step,
                    year=year,
                    due_at=now + SNOOZE,
                    status="planned",
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
        return now + SNOOZE

    def set_preference(
        self,
        org_id: str,
        leader: str,
        *,
        opted_out: bool | None = None,
        done_year: int | None = None,
    ) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            preference = session.get(LeaderPreference, (org_id, leader))
            if preference is None:
                preference = LeaderPreference(
                    org=org_id, leader=leader, opted_out=False, updated_at=now
                )
                session.add(preference)
            if opted_out is not None:
                preference.opted_out = opted_out
            if done_year is not None:
                preference.done_year = done_year
            preference.updated_at = now

    def statuses(self, org_id: str, year: int) -> dict[str, Nudge]:
        with self.sessions() as session:
            return {
                n.key: n
                for n in session.scalars(
                    select(Nudge).where(Nudge.org == org_id, Nudge.year == year)
                )
            }

    def _lang(self, org: OrgKnowledge, email: str) -> Lang:
        person = org.directory.person(email)
        return person.language if person and person.language else org.org.language


def _insert(session: Session):
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
