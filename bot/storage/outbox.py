"""The outbox: a notification is a row before it is a message.

`enqueue` is idempotent on the key, so a retried event or a second replica never queues
the same notification twice. `claim` hands rows to one worker at a time (FOR UPDATE SKIP
LOCKED on PostgreSQL; SQLite has one writer); a worker that dies leaves a lease that runs
out, and the row is delivered again: at least once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.storage.db import Sessions, insert_new, without_waiting_for_the_disk
from bot.storage.models import OutboxMessage

log = logging.getLogger("kombot.outbox")

LEASE = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 8
RETRY_BASE = dt.timedelta(seconds=5)
BACKOFF_CAP = dt.timedelta(minutes=30)


def enqueue(
    session: Session, *, key: str, org: str, recipient: str, payload: dict, now: dt.datetime
) -> int | None:
    """Queue one message; its row id, or None when the key was queued before."""
    values = {"key": key, "org": org, "recipient": recipient, "payload": payload}
    return _insert(session, {**values, **_new(now, leased=False)})


def enqueue_leased(
    session: Session, *, key: str, org: str, recipient: str, payload: dict, now: dt.datetime
) -> OutboxMessage | None:
    """Queue one message leased to the caller, who sends it at once (the fast path) without
    another transaction to claim it or read it back: the row as written, or None when the
    key was queued before. If the send fails or the caller dies, the lease runs out and
    the delivery loop sends it."""
    values = {"key": key, "org": org, "recipient": recipient, "payload": payload}
    values |= _new(now, leased=True)
    row_id = _insert(session, values)
    return None if row_id is None else OutboxMessage(id=row_id, **values)


def enqueue_many(session: Session, messages: list[dict], now: dt.datetime) -> None:
    """Several `enqueue`s in one statement; each dict has key, org, recipient, payload."""
    if not messages:
        return
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    rows = [{**m, **_new(now, leased=False)} for m in messages]
    session.execute(insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"]), rows)


def _new(now: dt.datetime, leased: bool) -> dict:
    """The bookkeeping of a new row: due now, or already leased to its sender."""
    return {
        "status": "sending" if leased else "pending",
        "attempts": 1 if leased else 0,
        "lease_until": now + LEASE if leased else None,
        "available_at": now,
        "created_at": now,
    }


def _insert(session: Session, values: dict) -> int | None:
    return session.scalar(
        insert_new(OutboxMessage.__table__, "key", session.bind.dialect.name), values
    )


def backoff(attempts: int, base: dt.timedelta = RETRY_BASE) -> dt.timedelta:
    return min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


Send = Callable[[OutboxMessage], None]


class OutboxWorker:
    """Delivers due rows through `send`, which raises when a delivery fails. Without a
    `send` it only keeps the books (claim, sent, failed) for a caller that sends itself."""

    def __init__(
        self,
        sessions: Sessions,
        send: Send | None,
        clock: Clock,
        retry_base: dt.timedelta = RETRY_BASE,
    ):
        self.sessions = sessions
        self.send = send
        self.clock = clock
        self.retry_base = retry_base

    def claim(self, limit: int, recipient: str | None = None) -> list[int]:
        """Lease due rows (of one recipient, if given) to this worker."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            due = ((OutboxMessage.status == "pending") & (OutboxMessage.available_at <= now)) | (
                (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now)
            )
            query = select(OutboxMessage.id).where(due)
            if recipient is not None:
                query = query.where(OutboxMessage.recipient == recipient)
            query = query.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
            ids = list(session.scalars(query))
            if ids:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .values(
                        status="sending",
                        lease_until=now + LEASE,
                        attempts=OutboxMessage.attempts + 1,
                    )
                )
            return ids

    def run_once(self, limit: int = 50, recipient: str | None = None) -> int:
        """Deliver what is due now; returns how many were sent."""
        assert self.send is not None, "a bookkeeping-only worker sends nothing itself"
        sent = 0
        for row in self.rows(self.claim(limit, recipient)):
            try:
                self.send(row)
            except Exception as exc:  # a channel failure must not stop the others
                self.failed(row, exc)
                continue
            self.sent([row.id])
            sent += 1
        return sent

    def rows(self, ids: list[int]) -> list[OutboxMessage]:
        """The rows, in the order of `ids` (one query, not one per row)."""
        with self.sessions() as session:
            found = {
                row.id: row
                for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
            }
        return [found[row_id] for row_id in ids if row_id in found]

    def sent(self, row_ids: list[int]) -> None:
        with self.sessions.begin() as session:
            without_waiting_for_the_disk(session)  # if lost: sent again, at least once
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(row_ids))
                .values(status="sent", sent_at=self.clock.now(), lease_until=None)
            )

    def skipped(self, row: OutboxMessage, reason: str) -> None:
        """Nowhere to deliver and no point retrying (e.g. a channel of an unused platform)."""
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(status="skipped", lease_until=None, last_error=reason)
            )

    def failed(self, row: OutboxMessage, exc: Exception) -> None:
        self._failed(row.id, row.attempts, exc)

    def _failed(self, row_id: int, attempts: int, exc: Exception) -> None:
        now = self.clock.now()
        final = attempts >= MAX_ATTEMPTS
        log.warning(
            "outbox delivery failed id=%s attempt=%s: %s", row_id, attempts, type(exc).__name__
        )
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(
                    status="failed" if final else "pending",
                    lease_until=None,
                    available_at=now + backoff(attempts, self.retry_base),
                    last_error=str(exc)[:500],
                )
            )
