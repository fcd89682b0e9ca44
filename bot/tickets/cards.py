"""Ticket cards that update in place. When a notice with buttons has been posted, where it
landed is kept; every later change of its ticket queues one outbox row per posted card,
and the delivery rewrites that message as the ticket now reads (`Desk.as_of_now`): "claimed
by X", its buttons gone. The rewrite is an outbox row like any other, so it is retried and
survives a crash."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import OutboxMessage, PostedCard, Ticket, TicketEvent
from bot.storage.outbox import enqueue

UPDATE = "update"  # the payload key of a rewrite: where the message is


def worth_keeping(payload: dict) -> bool:
    """A ticket notice with buttons (an answer to a question is never rewritten)."""
    return bool(payload.get("ticket") and payload.get("choices") and "to" not in payload)


def remember(
    session: Session, row: OutboxMessage, platform: str, message: dict, now: dt.datetime
) -> None:
    session.add(
        PostedCard(
            org=row.org,
            ticket=row.payload["ticket"],
            recipient=row.recipient,
            platform=platform,
            message=message,
            notice=row.payload,
            created_at=now,
        )
    )


def rewrite_all(session: Session, ticket: Ticket, event: TicketEvent, now: dt.datetime) -> None:
    """Queue a rewrite of every card posted about `ticket`, after `event` changed it."""
    posted = session.scalars(
        select(PostedCard).where(PostedCard.org == ticket.org, PostedCard.ticket == ticket.human_id)
    )
    for card in posted:
        enqueue(
            session,
            key=f"card:{card.id}:{event.id}",
            org=card.org,
            recipient=card.recipient,
            payload={**card.notice, UPDATE: {"platform": card.platform, **card.message}},
            now=now,
        )
