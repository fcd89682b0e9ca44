"""What each dashboard page shows, for one viewer and one date range: lists of rows (the
same rows go to the page's table and to its CSV). The CLI's `Reports` compute what both
show, so the page and `kombot report` never disagree."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.analytics.reports import Reports
from bot.dashboard.access import Viewer
from bot.engine import Engine
from bot.storage.models import AnswerRecord, FeedbackRecord, Goal, Nudge, Ticket, TicketEvent
from bot.tickets.export import ZONES
from bot.tickets.notices import local, person_name


@dataclass(frozen=True)
class Period:
    since: dt.datetime
    until: dt.datetime  # exclusive

    @property
    def days(self) -> list[dt.date]:
        first, last = self.since.date(), (self.until - dt.timedelta(microseconds=1)).date()
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


class Figures:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.reports = Reports(engine.knowledge, engine.desk.sessions, engine.reminders.goals)
        self.sessions = engine.desk.sessions

    # --- overview -------------------------------------------------------------------------
    def overview(self, viewer: Viewer, period: Period) -> dict:
        with self.sessions() as session:
            rows = session.execute(
                select(AnswerRecord.at, AnswerRecord.language, AnswerRecord.channel).where(
                    AnswerRecord.org == viewer.org,
                    AnswerRecord.at >= period.since,
                    AnswerRecord.at < period.until,
                )
            ).all()
            verdicts = dict(
                session.execute(
                    select(FeedbackRecord.verdict, func.count())
                    .where(
                        FeedbackRecord.org == viewer.org,
                        FeedbackRecord.at >= period.since,
                        FeedbackRecord.at < period.until,
                    )
                    .group_by(FeedbackRecord.verdict)
                ).all()
            )
        per_day = Counter(at.date() for at, _, _ in rows)
        total_feedback = sum(verdicts.values())
        return {
            "questions": len(rows),
            "per_day": [{"day": d.isoformat(), "questions": per_day[d]} for d in period.days],
            "per_week": _weeks(per_day),
            "outcomes": self.reports.outcomes(viewer.org, period.since, period.until),
            "languages": _shares(Counter(lang for _, lang, _ in rows), "language"),
            "channels": _shares(Counter(channel for _, _, channel in rows), "channel"),
            "feedback": [
                {
                    "verdict": verdict,
                    "times": n,
                    "share": round(n / total_feedback, 3) if total_feedback else 0,
                }
                for verdict, n in sorted(verdicts.items())
            ],
        }

    # --- unanswered and not helpful ---------------------------------------------------------
    def unanswered(self, viewer: Viewer, period: Period) -> list[dict]:
        return self.reports.unanswered(viewer.org, period.since, limit=50, until=period.until)

    def unhelpful(self, viewer: Viewer, period: Period) -> list[dict]:
        org = self.engine.knowledge.org(viewer.org)
        return [
            {**row, "owner": (org.entries.get(row["entry"]) or _NoEntry).owner or "–"}
            for row in self.reports.unhelpful(viewer.org, period.since, period.until)
        ]

    # --- knowledge --------------------------------------------------------------------------
    def knowledge(self, viewer: Viewer, period: Period, today: dt.date) -> list[dict]:
        org = self.engine.knowledge.org(viewer.org)
        with self.sessions() as session:
            asked = dict(
                session.execute(
                    select(AnswerRecord.entry, func.count())
                    .where(
                        AnswerRecord.org == viewer.org,
                        AnswerRecord.kind == "answer",
                        AnswerRecord.at >= period.since,
                        AnswerRecord.at < period.until,
                    )
                    .group_by(AnswerRecord.entry)
                ).all()
            )
        return [
            {
                "entry": entry.id,
                "entry_title": local(entry.title, viewer.language, org),
                "owner": entry.owner or "–",
                "review_by": entry.review_by.isoformat() if entry.review_by else "",
                "past_review": bool(entry.review_by and entry.review_by < today),
                "asked": asked.get(entry.id, 0),
            }
            for entry in sorted(org.entries.values(), key=lambda e: e.id)
        ]

    # --- tickets ----------------------------------------------------------------------------
    def tickets(
        self, viewer: Viewer, period: Period, function: str = "", state: str = ""
    ) -> list[dict]:
        query = _visible(viewer).where(
            Ticket.created_at >= period.since, Ticket.created_at < period.until
        )
        if function:
            query = query.where(Ticket.function == function)
        if state:
            query = query.where(Ticket.state == state)
        with self.sessions() as session:
            tickets = list(session.scalars(query.order_by(Ticket.created_at.desc())))
        return [self._row(viewer, t) for t in tickets]

    def _row(self, viewer: Viewer, t: Ticket) -> dict:
        org = self.engine.knowledge.org(viewer.org)
        zone = ZoneInfo(ZONES[org.org.country])
        return {
            "ticket": t.human_id,
            "state": t.state,
            "priority": t.priority,
            "function": t.function or "",
            "assignee": person_name(org, t.assignee) if t.assignee else "",
            "subject": t.subject,
            "created": t.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "due": t.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "escalations": t.escalation,
        }

    def ticket(self, viewer: Viewer, human_id: str) -> tuple[dict, list[dict]] | None:
        """One ticket and its audit trail, if the viewer may see it."""
        org = self.engine.knowledge.org(viewer.org)
        zone = ZoneInfo(ZONES[org.org.country])
        with self.sessions() as session:
            ticket = session.scalar(_visible(viewer).where(Ticket.human_id == human_id))
            if ticket is None:
                return None
            events = session.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(TicketEvent.id)
            )
            trail = [
                {
                    "at": e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    "who": person_name(org, e.actor) if "@" in e.actor else e.actor,
                    "what": e.kind,
                    "detail": e.detail,
                }
                for e in events
            ]
        return self._row(viewer, ticket), trail

    # --- goals ------------------------------------------------------------------------------
    def goals(self, viewer: Viewer, year: int) -> list[dict]:
        org = self.engine.knowledge.org(viewer.org)
        with self.sessions() as session:
            goals = list(
                session.scalars(
                    select(Goal)
                    .where(Goal.org == viewer.org, Goal.year == year)
                    .order_by(Goal.leader, Goal.number)
                )
            )
            nudges = session.execute(
                select(Nudge.leader, Nudge.status, func.count())
                .where(Nudge.org == viewer.org, Nudge.year == year)
                .group_by(Nudge.leader, Nudge.status)
            ).all()
        counted = Counter({(leader, status): n for leader, status, n in nudges})
        rows = []
        for leader in org.directory.leaders:  # leaders with no goals are shown too
            own = [g for g in goals if g.leader == leader.email]
            rows.append(
                {
                    "leader": person_name(org, leader.email),
                    "unit": local(leader.unit, viewer.language, org),
                    "meeting": leader.dialogue_meeting.isoformat(),
                    "goals": len(own),
                    "statuses": ", ".join(f"{g.number}: {g.status}" for g in own),
                    "nudges_sent": counted[(leader.email, "sent")],
                    "snoozed": counted[(leader.email, "snoozed")],
                    "missed": counted[(leader.email, "missed")],
                }
            )
        return rows


class _NoEntry:
    owner = None


def _visible(viewer: Viewer):
    """The tickets this viewer may see: all of the org's for an admin; for an adviser,
    their functions' queue and what they hold."""
    query = select(Ticket).where(Ticket.org == viewer.org)
    if not viewer.admin:
        query = query.where(
            Ticket.function.in_(viewer.functions) | (Ticket.assignee == viewer.email)
        )
    return query


def _weeks(per_day: Counter) -> list[dict]:
    weeks = Counter()
    for day, n in per_day.items():
        iso = day.isocalendar()
        weeks[f"{iso.year}-W{iso.week:02d}"] += n
    return [{"week": w, "questions": n} for w, n in sorted(weeks.items())]


def _shares(counts: Counter, name: str) -> list[dict]:
    total = sum(counts.values())
    return [
        {name: key, "questions": n, "share": round(n / total, 3)} for key, n in counts.most_common()
    ]
