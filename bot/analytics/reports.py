"""The communication department's figures: what people ask, what went unanswered, what
they found unhelpful, ticket times, goal follow-up, stale entries.

Every report is a list of rows (dicts) so the CLI can print a table or CSV. No report
shows who asked, unless the viewer is an admin of the org's directory (`askers=True`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

import numpy as np
from sqlalchemy import func, select

from bot.knowledge.loader import Knowledge
from bot.knowledge.report import stale_entries
from bot.reminders.goals import GoalRegister
from bot.storage.db import Sessions
from bot.storage.models import AnswerRecord, FeedbackRecord, Nudge, Ticket
from bot.understanding.analyse import Analyser
from bot.understanding.normalise import words

UNANSWERED = ("fallback", "suggestions")
SIMILAR = 62  # rapidfuzz token_set_ratio at which two questions are one theme
MAX_CLUSTERED = 5000


class Reports:
    def __init__(self, knowledge: Knowledge, sessions: Sessions, goals: GoalRegister):
        self.knowledge = knowledge
        self.sessions = sessions
        self.goals = goals

    def _answers(
        self, org: str | None, since: dt.datetime, until: dt.datetime | None = None
    ) -> list[AnswerRecord]:
        with self.sessions() as session:
            query = select(AnswerRecord).where(AnswerRecord.at >= since)
            if until is not None:
                query = query.where(AnswerRecord.at < until)
            if org:
                query = query.where(AnswerRecord.org == org)
            return list(session.scalars(query.order_by(AnswerRecord.at)))

    def questions(self, org: str | None, since: dt.datetime) -> list[dict]:
        """Questions per ISO week and language."""
        counts = Counter(
            (f"{a.at.isocalendar().year}-W{a.at.isocalendar().week:02d}", a.language)
            for a in self._answers(org, since)
        )
        return [
            {"week": week, "language": lang, "questions": n}
            for (week, lang), n in sorted(counts.items())
        ]

    def outcomes(
        self, org: str | None, since: dt.datetime, until: dt.datetime | None = None
    ) -> list[dict]:
        """How questions ended: answered, did-you-mean, fallback, intent."""
        with self.sessions() as session:
            query = select(AnswerRecord.kind, func.count()).where(AnswerRecord.at >= since)
            if until is not None:
                query = query.where(AnswerRecord.at < until)
            if org:
                query = query.where(AnswerRecord.org == org)
            counts = Counter(dict(session.execute(query.group_by(AnswerRecord.kind)).all()))
        total = max(sum(counts.values()), 1)
        return [
            {"outcome": kind, "questions": counts[kind], "share": round(counts[kind] / total, 3)}
            for kind in ("answer", "suggestions", "fallback", "intent", "notice")
            if counts[kind]
        ]

    def top_entries(self, org: str | None, since: dt.datetime, limit: int = 20) -> list[dict]:
        answers = [a for a in self._answers(org, since) if a.kind == "answer"]
        counts = Counter((a.org, a.entry) for a in answers)
        return [
            {"entry": entry, "title": self._title(org_id, entry), "answers": n}
            for (org_id, entry), n in counts.most_common(limit)
        ]

    def _title(self, org_id: str, entry_id: str) -> str:
        known = self.knowledge.orgs.get(org_id)
        entry = known.entries.get(entry_id) if known else None
        if entry is None:
            return "(no longer in the knowledge)"
        return entry.title.get(known.org.language) or next(iter(entry.title.values()))

    def unanswered(
        self,
        org: str | None,
        since: dt.datetime,
        limit: int = 20,
        askers: bool = False,
        until: dt.datetime | None = None,
    ) -> list[dict]:
        """Questions the bot could not answer, grouped into themes by similarity."""
        questions = [
            a
            for a in self._answers(org, since, until)
            if a.kind in UNANSWERED and a.question and _a_question(a.question)
        ][-MAX_CLUSTERED:]
        analyser = Analyser(self.knowledge.synonyms)
        themes = cluster(
            [" ".join(analyser.terms(a.question, a.language)) or a.question for a in questions],
            limit,
        )
        rows = []
        for members in themes:
            row = {
                "questions": len(members),
                "example": _shown(questions[members[0]].question),
                "others": " | ".join(_others(questions, members)),
                "language": questions[members[0]].language,
            }
            if askers:
                row["askers"] = ", ".join(sorted({questions[i].user for i in members}))
            rows.append(row)
        return rows

    def unhelpful(
        self, org: str | None, since: dt.datetime, until: dt.datetime | None = None
    ) -> list[dict]:
        with self.sessions() as session:
            query = select(FeedbackRecord).where(
                FeedbackRecord.at >= since, FeedbackRecord.verdict != "helpful"
            )
            if until is not None:
                query = query.where(FeedbackRecord.at < until)
            if org:
                query = query.where(FeedbackRecord.org == org)
            feedback = list(session.scalars(query))
        counts = Counter((f.entry or "(did-you-mean)", f.verdict, f.reason or "") for f in feedback)
        return [
            {"entry": entry, "verdict": verdict, "reason": reason, "times": n}
            for (entry, verdict, reason), n in counts.most_common()
        ]

    def tickets(self, org: str | None, since: dt.datetime) -> list[dict]:
        """Volume and median hours to claim and to resolve, per function."""
        with self.sessions() as session:
            query = select(Ticket).where(Ticket.created_at >= since)
            if org:
                query = query.where(Ticket.org == org)
            tickets = list(session.scalars(query))
        groups: dict[str, list[Ticket]] = defaultdict(list)
        for ticket in tickets:
            groups[ticket.function or f"({ticket.reason})"].append(ticket)

        def median_hours(pairs) -> float | str:
            hours = [(end - start).total_seconds() / 3600 for start, end in pairs if end]
            return round(statistics.median(hours), 1) if hours else ""

        return [
            {
                "function": name,
                "tickets": len(group),
                "open": sum(t.state in ("open", "claimed") for t in group),
                "median_hours_to_claim": median_hours((t.created_at, t.claimed_at) for t in group),
                "median_hours_to_resolve": median_hours(
                    (t.created_at, t.resolved_at) for t in group if t.state == "resolved"
                ),
            }
            for name, group in sorted(groups.items())
        ]

    def goals_completion(self, org: str | None, year: int) -> list[dict]:
        """Per unit: goals and their status, and whether the leader answered the nudges."""
        with self.sessions() as session:
            query = select(Nudge).where(Nudge.year == year, Nudge.status.in_(("sent", "snoozed")))
            if org:
                query = query.where(Nudge.org == org)
            nudges = list(session.scalars(query))
        answered = defaultdict(lambda: [0, 0])
        for nudge in nudges:
            answered[(nudge.org, nudge.leader)][0] += 1
            answered[(nudge.org, nudge.leader)][1] += nudge.answered_at is not None
        by_unit = {(r.org, r.leader): r for r in self.goals.report(year, org)}
        rows = []
        for key in sorted(set(by_unit) | set(answered)):
            report = by_unit.get(key)
            sent, replied = answered.get(key, (0, 0))
            rows.append(
                {
                    "org": key[0],
                    "leader": key[1],
                    "goals": report.goals if report else 0,
                    "achieved": report.achieved if report else 0,
                    "partly": report.partly if report else 0,
                    "not_yet": report.not_yet if report else 0,
                    "nudges_sent": sent,
                    "nudges_answered": replied,
                }
            )
        return rows

    def stale(self, today: dt.date) -> list[dict]:
        return [
            {"org": org, "entry": entry, "owner": owner, "review_by": review.isoformat()}
            for org, entry, owner, review in stale_entries(self.knowledge, today)
        ]


def cluster(keys: list[str], limit: int | None = None) -> list[list[int]]:
    """Group similar texts (greedy, largest themes first); indices into `keys`, which are
    the texts as the analyser sees them (stemmed, without function words). Identical keys
    are compared once and weigh as many as they are; only the `limit` largest themes are
    formed (each step is one matrix product, so thousands of questions stay fast)."""
    if not keys:
        return []
    from rapidfuzz import fuzz, process  # 75 ms to import: only for this report

    unique = list(dict.fromkeys(keys))
    position = {key: i for i, key in enumerate(unique)}
    where: list[list[int]] = [[] for _ in unique]
    for n, key in enumerate(keys):
        where[position[key]].append(n)
    weight = np.array([len(w) for w in where], dtype=np.float32)
    near = (
        process.cdist(
            unique, unique, scorer=fuzz.token_set_ratio, dtype=np.uint8, score_cutoff=SIMILAR
        )
        > 0
    )
    np.fill_diagonal(near, True)
    near_f = near.astype(np.float32)
    unassigned = np.ones(len(unique), dtype=bool)
    themes = []
    while unassigned.any() and (limit is None or len(themes) < limit):
        reach = near_f @ (weight * unassigned)
        reach[~unassigned] = -1
        centre = int(np.argmax(reach))  # ties: the earliest, as before
        members = np.nonzero(near[centre] & unassigned)[0]
        unassigned[members] = False
        themes.append(sorted(n for m in members for n in where[m]))
    return sorted(themes, key=len, reverse=True)


SHOWN_CHARS = 200


def _others(questions: list[AnswerRecord], members: list[int]) -> list[str]:
    """Up to three other wordings of the theme: distinct, and not the example again."""
    example = _shown(questions[members[0]].question)
    wordings = dict.fromkeys(_shown(questions[i].question) for i in members[1:])
    return [text for text in wordings if text != example][:3]


def _a_question(text: str) -> bool:
    """Not a lone number pressed as a button, nor an arrow key's escape code ("[A")."""
    return any(len(word) >= 2 and not word.isdigit() for word in words(text))


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS].rstrip() + "…"
