"""Entries past their review date are reported to their owner, once per review date:
a policy bot that answers with last year's law is worse than none."""

from __future__ import annotations

from bot.clock import Clock
from bot.knowledge.loader import Knowledge
from bot.storage.outbox import enqueue_many


def notify_stale_owners(knowledge: Knowledge, sessions, clock: Clock) -> int:
    """Queue one message per (org, entry, review date) to the owner; returns how many."""
    today = clock.now().date()
    messages = []
    for org in knowledge.orgs.values():
        for entry in org.entries.values():
            if entry.review_by >= today:
                continue
            lang = org.org.language if org.org.language in entry.title else "en"
            text = knowledge.message(
                "review_due",
                lang,
                title=entry.title[lang],
                entry=entry.id,
                org=org.id,
                date=entry.review_by.isoformat(),
            )
            messages.append(
                {
                    "key": f"review:{org.id}:{entry.id}:{entry.review_by}",
                    "org": org.id,
                    "recipient": entry.owner,
                    "payload": {"text": text, "choices": [], "language": lang},
                }
            )
    with sessions.begin() as session:
        enqueue_many(session, messages, clock.now())
    return len(messages)
