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
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.dates import written
from bot.knowledge.loader import Knowledge, OrgKnowledge
from bot.languages import Lang
from bot.reminders import calendar
from bot.reminders.goals import GoalRegister
from bot.replies import Action
from bot.storage.db import Sessions
from bot.storage.models import Goal, LeaderPreference, Nudge, OutboxMessage
from bot.storage.outbox import enqueue_many

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
        sessions: Sessions,
        clock: Clock,
        goals: GoalRegister,
    ):
        self.knowledge = knowledge
        self.sessions = sessions
        self.clock = clock
        self.goals = goals
        self._planned: set[tuple[int, str]] = set()

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
        with self.sessions.begin() as session:
            count = select(func.count()).select_from(Nudge)
            before = session.scalar(count)
            session.execute(
                _insert(session)(Nudge).on_conflict_do_nothing(index_elements=["key"]), rows
            )
            return session.scalar(count) - before

    def _ensure_planned(self, year: int) -> None:
        """Plan a year once per process and knowledge version (a reload plans again)."""
        if (year, self.knowledge.version) not in self._planned:
            self.plan(year)
            self._planned.add((year, self.knowledge.version))

    # --- sending -------------------------------------------------------------------------
    def run_due(self) -> RunReport:
        now = self.clock.now()
        self._ensure_planned(now.year)
        self._ensure_planned(now.year + 1)  # nudges before a January meeting fall the year before
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
            if not due:
                return report
            context = _DueContext.load(session, due)
            outbox: list[dict] = []
            for nudge in due:
                org = self.knowledge.orgs.get(nudge.org)
                leader = org.directory.leader(nudge.leader) if org else None
                preference = context.preferences.get((nudge.org, nudge.leader))
                if leader is None or (
                    preference and (preference.opted_out or preference.done_year == nudge.year)
                ):
                    nudge.status = "skipped"  # opted out, done, or gone from the directory
                    report.skipped.append(nudge.key)
                    continue
                late = now - nudge.due_at
                if late > dt.timedelta(hours=org.plan.grace_hours):
                    nudge.status = "missed"
                    report.missed.append(nudge.key)
                    continue
                outbox.append(self._message(org, nudge, context.goals_of(nudge)))
                nudge.status, nudge.sent_at = "sent", now
                report.sent.append(nudge.key)
                unit = (nudge.org, nudge.leader, nudge.year)
                context.unanswered[unit] = context.unanswered.get(unit, 0) + 1
                escalation = self._escalation(org, nudge, context)
                if escalation is not None:
                    outbox.append(escalation)
                    report.escalated.append(nudge.leader)
            enqueue_many(session, outbox, now)
        if report.missed:
            log.warning(
                "%d nudge(s) missed: due longer ago than the grace period (the bot was "
                "down); not sent. First: %s",
                len(report.missed),
                ", ".join(report.missed[:5]),
            )
        return report

    def _message(self, org: OrgKnowledge, nudge: Nudge, goals: list[Goal]) -> dict:
        leader = org.directory.leader(nudge.leader)
        lang = self._lang(org, nudge.leader)
        step = next(s for s in org.plan.steps if s.id == nudge.step)
        listing = "\n".join(
            f"{g.number}. {g.text} ({self.knowledge.message('goal_' + g.status, lang)})"
            for g in goals
        ) or self.knowledge.message("no_goals_yet", lang)
        # before the meeting, a leader with no goals is asked to add some, not to set a
        # status on a goal 1 that does not exist
        template = (
            self.knowledge.messages["nudge_no_goals"][lang]
            if not goals and step.offset_days < 0
            else step.message[lang]
        )
        text = template.format(
            meeting=written(calendar.meeting_in(leader, nudge.year), lang),
            year=nudge.year,
            unit=_local(leader.unit, lang),
            goals=listing,
        )
        choices = [
            {
                "label": self.knowledge.message(name, lang),
                "action": Action(name, {"year": str(nudge.year)}, lang).as_dict(),
            }
            for name in NUDGE_ACTIONS
        ]
        return {
            "key": nudge.key,
            "org": org.id,
            "recipient": nudge.leader,
            "payload": {"text": text, "choices": choices, "language": lang, "nudge": nudge.key},
        }

    def _escalation(self, org: OrgKnowledge, nudge: Nudge, context: _DueContext) -> dict | None:
        """Flag a leader who left N nudges unanswered to their area's contact person, once."""
        unanswered = context.unanswered[(nudge.org, nudge.leader, nudge.year)]
        key = f"escalation:{org.id}:{nudge.leader}:{nudge.year}"
        if unanswered < org.plan.escalate_after_unanswered or key in context.escalated:
            return None
        context.escalated.add(key)
        leader = org.directory.leader(nudge.leader)
        contact = org.directory.area(leader.area).contact_person
        lang = self._lang(org, contact)
        person = org.directory.person(leader.email)
        text = self.knowledge.message(
            "leader_not_responding",
            lang,
            name=person.name if person else leader.email,
            unit=_local(leader.unit, lang),
            count=unanswered,
            year=nudge.year,
        )
        return {
            "key": key,
            "org": org.id,
            "recipient": contact,
            "payload": {"text": text, "choices": [], "language": lang},
        }

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


@dataclass
class _DueContext:
    """What sending a batch of due nudges needs, read in a few queries, not per nudge."""

    preferences: dict[tuple[str, str], LeaderPreference]
    goals: dict[tuple[str, str, int], list[Goal]]
    unanswered: dict[tuple[str, str, int], int]
    escalated: set[str]

    @classmethod
    def load(cls, session: Session, due: list[Nudge]) -> _DueContext:
        leaders = sorted({n.leader for n in due})
        years = sorted({n.year for n in due})
        preferences = {
            (p.org, p.leader): p
            for p in session.scalars(
                select(LeaderPreference).where(LeaderPreference.leader.in_(leaders))
            )
        }
        goals: dict[tuple[str, str, int], list[Goal]] = {}
        for goal in session.scalars(
            select(Goal).where(Goal.leader.in_(leaders), Goal.year.in_(years)).order_by(Goal.number)
        ):
            goals.setdefault((goal.org, goal.leader, goal.year), []).append(goal)
        unanswered = {
            (org, leader, year): count
            for org, leader, year, count in session.execute(
                select(Nudge.org, Nudge.leader, Nudge.year, func.count())
                .where(
                    Nudge.leader.in_(leaders), Nudge.status == "sent", Nudge.answered_at.is_(None)
                )
                .group_by(Nudge.org, Nudge.leader, Nudge.year)
            )
        }
        keys = [f"escalation:{n.org}:{n.leader}:{n.year}" for n in due]
        escalated = set(
            session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys)))
        )
        return cls(preferences, goals, unanswered, escalated)

    def goals_of(self, nudge: Nudge) -> list[Goal]:
        return self.goals.get((nudge.org, nudge.leader, nudge.year), [])


def _local(texts: dict, lang: Lang) -> str:
    return texts.get(lang) or next(iter(texts.values()))
