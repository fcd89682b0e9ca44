"""Answer what the inbox holds, a few claimed rows per database transaction.

For each claimed row the channel translates the stored request (`prepare`); then, in one
unit of work, the engine handles it, its replies become an outbox row and the inbox row is
marked done. A crash anywhere before that commit leaves no trace but the inbox rows, whose
lease runs out and which are answered again; a crash after it leaves the replies in the
outbox. Either way nothing acknowledged is lost, and nothing is done twice: a worker
whose lease ran out while it answered finds the row taken when it marks it done, and its
whole unit is rolled back (`LeaseLost`). If one row of a batch fails, the batch is
answered again row by row, so only that row is retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.channels.actions import stored_replies
from bot.engine import Engine
from bot.replies import Incoming
from bot.runtime.threads import Threads
from bot.storage.db import without_waiting_for_the_disk
from bot.storage.inbox import MAX_ATTEMPTS, Inbox, Item, LeaseLost
from bot.storage.models import OutboxMessage
from bot.storage.outbox import enqueue_leased, enqueue_many

log = logging.getLogger("kombot.answering")


@dataclass(frozen=True)
class Route:
    """Where a stored request came from and where its replies go (known without I/O)."""

    org: str
    reply_to: dict


@dataclass
class Prepared:
    """A stored request as the engine takes it."""

    route: Route
    recipient: str  # the person, as the directory knows them
    incomings: list[Incoming]
    remember: Callable[[Engine], None] | None = field(default=None)  # writes in the unit


Accept = Callable[[str, str, dict], Awaitable[bool]]  # key, channel, payload -> new?


class Channel(Protocol):
    def route(self, engine: Engine, payload: dict) -> Route: ...

    async def prepare(self, engine: Engine, payload: dict, key: str) -> Prepared: ...


class Answering:
    def __init__(
        self,
        engine: Callable[[], Engine],
        inbox: Inbox,
        channels: dict[str, Channel],
        threads: Threads,
        delivered: Callable[[list[OutboxMessage]], Awaitable[object]] | None = None,
    ):
        self.engine = engine
        self.inbox = inbox
        self.channels = channels
        self.threads = threads
        self.delivered = delivered  # the fast path: deliver a reply as soon as it is committed

    async def run_once(self, limit: int = 20) -> int:
        """Answer what is due now; returns how many rows were taken. The rows are answered
        in a few transactions, not one each (as many as there are answer threads, whose
        database waits overlap): on SQLite every transaction queues for the one write
        lock, and per message that queueing, not the answering, set the pace."""
        items = await self.threads.run(self.inbox.claim, limit)
        if not items:
            return 0
        engine = self.engine()
        ready = [r for r in await asyncio.gather(*(self._prepare(engine, i) for i in items)) if r]
        size = max(1, -(-len(ready) // self.threads.size))  # ceil: one batch per thread
        batches = [ready[i : i + size] for i in range(0, len(ready), size)]
        replies = await asyncio.gather(*(self._answer_batch(engine, b) for b in batches))
        leased = [row for batch in replies for row in batch]
        if leased and self.delivered is not None:
            await self.delivered(leased)
        return len(items)

    async def _prepare(self, engine: Engine, item: Item) -> tuple[Item, Prepared] | None:
        try:
            return item, await self.channels[item.channel].prepare(engine, item.payload, item.key)
        except Exception as exc:
            await self._failed(engine, item, exc)
            return None

    async def _answer_batch(
        self, engine: Engine, batch: list[tuple[Item, Prepared]]
    ) -> list[OutboxMessage]:
        try:
            found = await self.threads.run(self._commit, engine, batch)
            return [reply for reply in found if reply is not None]
        except Exception:  # one of them failed: each on its own, so only that one is retried
            alone = [await self._answer_alone(engine, item, ready) for item, ready in batch]
            return [reply for reply in alone if reply is not None]

    async def _answer_alone(
        self, engine: Engine, item: Item, prepared: Prepared
    ) -> OutboxMessage | None:
        try:
            [reply] = await self.threads.run(self._commit, engine, [(item, prepared)])
        except LeaseLost:  # another worker has it: its answer counts, not this one
            log.warning("inbox message id=%s was taken by another worker", item.id)
            return None
        except Exception as exc:  # retried with backoff; a dead letter is never silent
            await self._failed(engine, item, exc)
            return None
        return reply

    async def _failed(self, engine: Engine, item: Item, exc: Exception) -> None:
        if await self.threads.run(self.inbox.failed, item, exc):
            await self.threads.run(self._tell_of_failure, engine, item, exc)

    def _commit(
        self, engine: Engine, batch: list[tuple[Item, Prepared]]
    ) -> list[OutboxMessage | None]:
        """Answer each row, in one transaction with its reply rows and the rows marked
        done; the reply row per row, leased to us (None when there was nothing to say)."""
        sessions = engine.desk.sessions
        with sessions.unit() as connection:
            # The inbox rows were committed durably before the ack: if this commit were
            # lost in a database crash, they would be answered again, not lost.
            without_waiting_for_the_disk(connection)
            return [self._write(engine, connection, item, prepared) for item, prepared in batch]

    def _write(
        self, engine: Engine, connection, item: Item, prepared: Prepared
    ) -> OutboxMessage | None:
        sessions = engine.desk.sessions
        if prepared.remember is not None:
            prepared.remember(engine)
        replies = [reply for one in prepared.incomings for reply in engine.handle(one)]
        reply = None
        if replies:
            with sessions.begin() as session:
                reply = enqueue_leased(
                    session,
                    key=f"reply:{item.key}",
                    org=prepared.route.org,
                    recipient=prepared.recipient,
                    payload={
                        "replies": stored_replies(replies),
                        "to": prepared.route.reply_to,
                    },
                    now=engine.desk.clock.now(),
                )  # sent at once after the commit; by the loop if not
        self.inbox.done(connection, item)
        return reply

    def _tell_of_failure(self, engine: Engine, item: Item, exc: Exception) -> None:
        """The person hears that something went wrong; the org's admins are told once."""
        try:
            route = self.channels[item.channel].route(engine, item.payload)
        except Exception:  # nothing to say where to: the log line and /metrics remain
            log.exception("dead letter id=%s has no route back to its sender", item.id)
            return
        org = engine.knowledge.org(route.org)
        lang = org.org.language
        knowledge = engine.knowledge
        now = engine.desk.clock.now()
        apology = {
            "key": f"failed:{item.key}",
            "org": org.id,
            "recipient": "",
            "payload": {
                "text": knowledge.message("message_failed", lang),
                "choices": [],
                "language": lang,
                "to": route.reply_to,
            },
        }
        error = f"{type(exc).__name__}: {exc}"[:300]
        admins = [
            {
                "key": f"failed:{item.key}:{admin}",
                "org": org.id,
                "recipient": admin,
                "payload": {
                    "text": knowledge.message(
                        "message_failed_admin",
                        lang,
                        attempts=MAX_ATTEMPTS,
                        id=item.id,
                        channel=item.channel,
                        error=error,
                    ),
                    "choices": [],
                    "language": lang,
                },
            }
            for admin in org.directory.admins()
        ]
        with engine.desk.sessions.begin() as session:
            enqueue_many(session, [apology, *admins], now)
