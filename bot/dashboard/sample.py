"""A database full of fictitious but realistic activity, to try the dashboard on (and to
test and benchmark it): questions over 90 days in four languages, feedback, tickets in
every state with their audit trails, and every org's goal register with its nudges.

The questions are the knowledge's own examples (answered) and a list of things people ask
that the bot cannot answer, including markup and spreadsheet formulas, which every page
and CSV must show as plain text. Everyone is from the fictitious directories.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import insert

from bot.knowledge.loader import Knowledge
from bot.storage.db import Sessions
from bot.storage.models import (
    AnswerRecord,
    FeedbackRecord,
    Goal,
    Nudge,
    Ticket,
    TicketCounter,
    TicketEvent,
)

UNANSWERED = {
    "da": [
        "hvornår er der frokost i kantinen",
        "kan jeg få refunderet min parkering",
        "hvem bestemmer farven på væggene i venteværelset",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        '=HYPERLINK("http://evil.example","klik")',
    ],
    "sv": [
        "när öppnar personalmatsalen",
        "hur bokar jag ett mötesrum",
        "får jag ta med hunden till jobbet",
    ],
    "nb": ["når er det lunsj i kantina", "hvordan bestiller jeg visittkort", "+47 er det gratis"],
    "en": ["where do I park my bike", "how do I reset my password", "@channel is lunch free"],
}
KINDS = (("answer", 70), ("suggestions", 10), ("fallback", 10), ("intent", 10))
CHANNELS = ("slack", "teams", "console")
STATES = ("open", "claimed", "resolved", "cancelled")
REASONS = ("not_what_i_asked", "not_enough", "wrong")
SPAN_DAYS = 89  # inside both the dashboard's default 90 days and `kombot report --days 90`


def fill(
    knowledge: Knowledge,
    sessions: Sessions,
    answers: int,
    tickets: int,
    now: dt.datetime,
    seed: int = 7,
) -> dict[str, int]:
    """Add the activity; returns how many rows of each kind."""
    rng = random.Random(seed)
    orgs = sorted(knowledge.orgs)
    answer_rows, feedback_rows = [], []
    for n in range(answers):
        org = knowledge.org(orgs[n % len(orgs)])
        lang = org.org.language if rng.random() < 0.85 else "en"
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        entry = rng.choice(sorted(org.entries)) if kind == "answer" else None
        if entry:
            examples = org.entries[entry].examples
            question = rng.choice(examples.get(lang) or next(iter(examples.values())))
        else:
            question = rng.choice(UNANSWERED[lang])
        at = now - dt.timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        message_id = f"sample-{uuid.UUID(int=rng.getrandbits(128))}"
        user = rng.choice(org.directory.people).email
        answer_rows.append(
            {
                "message_id": message_id,
                "at": at,
                "org": org.id,
                "channel": rng.choice(CHANNELS),
                "user": user,
                "kind": kind,
                "entry": entry,
                "intent": "help" if kind == "intent" else None,
                "confidence": round(rng.uniform(0.3, 0.99), 2),
                "language": lang,
                "knowledge_version": "sample",
                "question": question,
            }
        )
        if entry and rng.random() < 0.15:
            verdict = rng.choices(("helpful", "not_helpful"), (3, 1))[0]
            feedback_rows.append(
                {
                    "at": at + dt.timedelta(minutes=1),
                    "org": org.id,
                    "user": user,
                    "message_id": message_id,
                    "entry": entry,
                    "verdict": verdict,
                    "reason": rng.choice(REASONS) if verdict != "helpful" else None,
                    "language": lang,
                    "knowledge_version": "sample",
                }
            )
    with sessions.begin() as session:
        for chunk in range(0, len(answer_rows), 5000):
            session.execute(insert(AnswerRecord), answer_rows[chunk : chunk + 5000])
        if feedback_rows:
            session.execute(insert(FeedbackRecord), feedback_rows)
        made = _tickets(knowledge, session, tickets, now, rng)
        goals = _goals(knowledge, session, now, rng)
    return {
        "answers": len(answer_rows),
        "feedback": len(feedback_rows),
        "tickets": made,
        "goals": goals,
    }


def _tickets(knowledge, session, count, now, rng) -> int:
    orgs = sorted(knowledge.orgs)
    numbers: dict[tuple[str, int], int] = {}
    made = 0
    for n in range(count):
        org = knowledge.org(orgs[n % len(orgs)])
        function = rng.choice(org.directory.functions)
        created = now - dt.timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        state = STATES[n % len(STATES)]
        key = (org.id, created.year)
        numbers[key] = numbers.get(key, 0) + 1
        requester = rng.choice(org.directory.people).email
        adviser = rng.choice(function.members)
        claimed = created + dt.timedelta(minutes=rng.randrange(5, 600))
        ticket = Ticket(
            human_id=f"{org.org.ticket_prefix}-{created.year}-{numbers[key] + 5000:04d}",
            org=org.id,
            source_id=f"sample-ticket-{n}",
            requester=requester,
            requester_area=None,
            assignee=adviser if state != "open" else None,
            function=function.id,
            reason="function",
            priority="urgent" if n % 7 == 0 else "normal",
            state=state,
            subject=rng.choice(UNANSWERED[org.org.language]),
            body="",
            language=org.org.language,
            escalation=n % 3 if state == "open" else 0,
            created_at=created,
            due_at=created + dt.timedelta(days=2),
            claimed_at=claimed if state in ("claimed", "resolved") else None,
            resolved_at=claimed + dt.timedelta(hours=5)
            if state in ("resolved", "cancelled")
            else None,
        )
        session.add(ticket)
        session.flush()
        session.add(
            TicketEvent(
                ticket_id=ticket.id, at=created, actor=requester, kind="created", detail="function"
            )
        )
        if state != "open":
            kind = "claimed" if state in ("claimed", "resolved") else state
            session.add(
                TicketEvent(ticket_id=ticket.id, at=claimed, actor=adviser, kind=kind, detail="")
            )
        if state == "resolved":
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=ticket.resolved_at,
                    actor=adviser,
                    kind="resolved",
                    detail="",
                )
            )
        made += 1
    for (org_id, year), last in numbers.items():  # real tickets number on after these
        session.merge(TicketCounter(org=org_id, year=year, last=last + 5000))
    return made


def _goals(knowledge, session, now, rng) -> int:
    made = 0
    for org_id in sorted(knowledge.orgs):
        org = knowledge.org(org_id)
        for leader in org.directory.leaders:
            year = leader.dialogue_meeting.year
            for number in range(1, rng.randrange(0, 4) + 1):
                session.add(
                    Goal(
                        org=org_id,
                        leader=leader.email,
                        year=year,
                        number=number,
                        text=f"Mål {number}: klarere patientbreve",
                        status=rng.choice(("not_set", "achieved", "partly", "not_yet")),
                        comment="",
                        created_at=now,
                    )
                )
                made += 1
            for step, status in (
                ("prepare_goals", "sent"),
                ("status", rng.choice(("sent", "snoozed", "missed"))),
            ):
                session.add(
                    Nudge(
                        key=f"sample:{org_id}:{leader.email}:{step}:{year}",
                        org=org_id,
                        leader=leader.email,
                        step=step,
                        year=year,
                        due_at=now - dt.timedelta(days=rng.randrange(1, 60)),
                        status=status,
                        sent_at=now if status == "sent" else None,
                    )
                )
    return made
