"""Answer what the inbox holds: one database transaction per message.

For each claimed row the channel translates the stored request (`prepare`); then, in one
unit of work, the engine handles it, its replies become an outbox row and the inbox row is
marked done. A crash anywhere before that commit leaves no trace but the inbox row, whose
lease runs out and which is answered again; a crash after it leaves the reply in the
outbox. Either way nothing acknowledged is lost, and nothing is done twice.
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
from bot.storage.inbox import MAX_ATTEMPTS, Inbox, Item
from bot.storage.outbox import enqueue, enqueue_many

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
        delivered: Callable[[list[int]], Awaitable[object]] | None = None,
    ):
        self.engine = engine
        self.inbox = inbox
        self.channels = channels
        self.threads = threads
        self.delivered = delivered  # the fast path: deliver a reply as soon as it is committed

    async def run_once(self, limit: int = 20) -> int:
        """Answer what is due now, as many at once as there are answer threads (their
        database waits overlap); returns how many rows were taken."""
        items = await self.threads.run(self.inbox.claim, limit)
        lanes = asyncio.Semaphore(self.threads.size)

        async def one(item: Item) -> None:
            async with lanes:
                await self.answer(item)

        await asyncio.gather(*(one(item) for item in items))
        return len(items)

    async def answer(self, item: Item) -> None:
        engine = self.engine()
        try:
            channel = self.channels[item.channel]
            prepared = await channel.prepare(engine, item.payload, item.key)
            reply_id = await self.threads.run(self._commit, engine, item, prepared)
        except Exception as exc:  # retried with backoff; a dead letter is never silent
            if await self.threads.run(self.inbox.failed, item, exc):
                await self.threads.run(self._tell_of_failure, engine, item, exc)
            return
        if reply_id is not None and self.delivered is not None:
            await self.delivered([reply_id])

    def _commit(self, engine: Engine, item: Item, prepared: Prepared) -> int | None:
        sessions = engine.desk.sessions
        with sessions.unit() as connection:
            # The inbox row was committed durably before the ack: if this commit were
            # lost in a database crash, the row would be answered again, not lost.
            without_waiting_for_the_disk(connection)
            if prepared.remember is not None:
                prepared.remember(engine)
            replies = [reply for one in prepared.incomings for reply in engine.handle(one)]
            reply_id = None
            if replies:
                with sessions.begin() as session:
                    reply_id = enqueue(
                        session,
                        key=f"reply:{item.key}",
                        org=prepared.route.org,
                        recipient=prepared.recipient,
                        payload={
                            "replies": stored_replies(replies),
                            "to": prepared.route.reply_to,
                        },
                        now=engine.desk.clock.now(),
                        claimed=True,  # sent at once after the commit; by the loop if not
                    )
            self.inbox.done(connection, item)
        return reply_id

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
