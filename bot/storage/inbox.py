"""The inbox: an acknowledged message is a committed row before it is answered.

`accept` writes the row and commits; only then does the channel acknowledge, so a
process that dies after the ack loses nothing. `claim` hands rows to one worker at a time
with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL, as the outbox does), so replicas share
the work and a row whose worker died is taken again when its lease runs out. A row that
fails `MAX_ATTEMPTS` times becomes a dead letter: kept, listed and counted, never retried
on its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.storage.db import Sessions, insert_new
from bot.storage.models import InboxMessage
from bot.storage.outbox import RETRY_BASE, backoff

log = logging.getLogger("kombot.inbox")

LEASE = dt.timedelta(seconds=30)
REDELIVERY_WINDOW = dt.timedelta(days=2)  # Slack retries within minutes, Teams seconds
NOTIFY_CHANNEL = "kombot_inbox"  # PostgreSQL: told on every new row (bot.runtime.wakeup)
MAX_ATTEMPTS = 5


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def storable(value):
    """Strings without NUL or lone surrogates, which PostgreSQL refuses (and which no
    person typed), in a JSON value of any depth."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


_INBOX = InboxMessage.__table__
_DONE = (  # built once: it runs for every message answered
    update(_INBOX)
    .where(
        _INBOX.c.id == bindparam("row_id"),
        _INBOX.c.status == "working",
        _INBOX.c.attempts == bindparam("attempt"),
    )
    .values(status="done", payload=None, lease_until=None, done_at=bindparam("now"))
)


class LeaseLost(Exception):
    """Another worker took the row after this one's lease ran out (or has answered it):
    what this one did must be rolled back, and it is not a failure of the message."""


@dataclass(frozen=True)
class Item:
    id: int
    key: str
    channel: str
    payload: dict
    attempts: int


class Inbox:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        lease: dt.timedelta = LEASE,
        retry_base: dt.timedelta = RETRY_BASE,
    ):
        self.sessions = sessions
        self.clock = clock
        self.lease = lease
        self.retry_base = retry_base

    def accept(self, key: str, channel: str, payload: dict) -> bool:
        """Commit the message; False when this key is already in (a retry or a copy)."""
        key, payload = storable(key)[:255], storable(payload)
        now = self.clock.now()
        with self.sessions.begin() as session:
            dialect = session.bind.dialect.name
            inserted = session.execute(
                insert_new(_INBOX, "key", dialect),
                {
                    "key": key,
                    "channel": channel,
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "available_at": now,
                    "created_at": now,
                },
            )
            new = inserted.first() is not None
            if new and dialect == "postgresql":
                session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))  # wakes workers elsewhere
            return new

    def claim(self, limit: int) -> list[Item]:
        """Lease the next due rows to this worker, in one statement."""
        now = self.clock.now()
        table = _INBOX
        due = ((table.c.status == "pending") & (table.c.available_at <= now)) | (
            (table.c.status == "working") & (table.c.lease_until < now)
        )
        taken = (
            select(table.c.id)
            .where(due)
            .order_by(table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        with self.sessions.begin() as session:
            rows = session.execute(
                update(table)
                .where(table.c.id.in_(taken))
                .values(
                    status="working", lease_until=now + self.lease, attempts=table.c.attempts + 1
                )
                .returning(
                    table.c.id, table.c.key, table.c.channel, table.c.payload, table.c.attempts
                )
            ).all()
        items = (Item(r.id, r.key, r.channel, r.payload or {}, r.attempts) for r in rows)
        return sorted(items, key=lambda item: item.id)

    def done(self, connection: Connection, item: Item) -> None:
        """Mark handled inside the unit of work that wrote its effects; the raw message
        (which may hold a personal number) is dropped, the key stays to catch retries.

        Only this worker's claim may do it (status and attempt still as claimed), so a
        worker whose lease ran out cannot answer a message a second time: the row is
        locked until the unit ends, and a later claim counts another attempt."""
        marked = connection.execute(
            _DONE, {"row_id": item.id, "attempt": item.attempts, "now": self.clock.now()}
        )
        if marked.rowcount != 1:
            raise LeaseLost(f"inbox message id={item.id} attempt {item.attempts}")

    def failed(self, item: Item, exc: BaseException) -> bool:
        """Back off, or give up after MAX_ATTEMPTS; True when it is now a dead letter."""
        dead = item.attempts >= MAX_ATTEMPTS
        now = self.clock.now()
        log.error(
            "inbox message id=%s key=%s failed (attempt %d%s): %s",
            item.id,
            item.key,
            item.attempts,
            ", dead letter" if dead else "",
            type(exc).__name__,
            exc_info=exc,
        )
        with self.sessions.begin() as session:
            marked = session.execute(
                update(InboxMessage)
                .where(  # as in `done`: not if another worker has taken it since
                    InboxMessage.id == item.id,
                    InboxMessage.status == "working",
                    InboxMessage.attempts == item.attempts,
                )
                .values(
                    status="dead" if dead else "pending",
                    lease_until=None,
                    available_at=now + backoff(item.attempts, self.retry_base),
                    last_error=f"{type(exc).__name__}: {exc}"[:500],
                )
            ).rowcount
        return dead and marked == 1

    def dead_letters(self) -> list[InboxMessage]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(InboxMessage)
                    .where(InboxMessage.status == "dead")
                    .order_by(InboxMessage.id)
                )
            )

    def retry(self, ids: list[int]) -> int:
        """Put dead letters back in the queue (after the cause is fixed)."""
        with self.sessions.begin() as session:
            return session.execute(
                update(InboxMessage)
                .where(InboxMessage.id.in_(ids), InboxMessage.status == "dead")
                .values(status="pending", attempts=0, available_at=self.clock.now())
            ).rowcount

    def counts(self) -> dict[str, int]:
        with self.sessions() as session:
            return dict(
                session.execute(
                    select(InboxMessage.status, func.count()).group_by(InboxMessage.status)
                ).all()
            )


def forget_handled(session: Session, now: dt.datetime) -> int:
    """Delete rows answered before the redelivery window, in the caller's transaction (the
    daily retention job): their keys no longer catch a retry. Dead letters stay."""
    return session.execute(
        delete(_INBOX).where(_INBOX.c.status == "done", _INBOX.c.done_at < now - REDELIVERY_WINDOW)
    ).rowcount
