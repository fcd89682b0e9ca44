"""The background loops of a server or worker process: answer the inbox, deliver the
outbox. Each survives errors (a database outage, a platform that fails): the rows stay
where they are and the next round takes them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.runtime.answering import Answering
from bot.runtime.delivery import Delivery
from bot.storage.models import OutboxMessage

log = logging.getLogger("kombot.loops")
IDLE = 1.0  # seconds between outbox rounds (fresh replies go at once, by the fast path)
INBOX_POLL = 0.05  # seconds between inbox looks when idle and nothing wakes the loop...
NOTIFIED_POLL = 1.0  # ...and when PostgreSQL's NOTIFY does (a look is four round trips)
ERROR_PAUSE = 2.0


class Loops:
    def __init__(self, answering: Answering, delivery: Delivery, poll: float = INBOX_POLL):
        self.answering = answering
        self.delivery = delivery
        self.poll = poll
        self.wake = asyncio.Event()  # set by intake: a new message is in the inbox
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        answering.delivered = self.deliver_soon

    def start(self) -> list[asyncio.Task]:
        loops = [self._deliver_forever(), self._answer_forever()]
        return [self._keep(asyncio.create_task(loop)) for loop in loops]

    async def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self.wake.set()
        for task in list(self._tasks):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=timeout)

    async def deliver_soon(self, leased: list[OutboxMessage]) -> None:
        """The fast path: send fresh replies (leased to us in their own commit) now,
        without holding up the next answer."""
        self._keep(asyncio.create_task(self.delivery.deliver_once(leased)))

    def _keep(self, task: asyncio.Task) -> asyncio.Task:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _answer_forever(self) -> None:
        while not self._stop.is_set():
            self.wake.clear()
            try:
                taken = await self.answering.run_once()
            except Exception:  # e.g. the database is away: the rows wait in the inbox
                log.exception("inbox round failed")
                await self._pause(ERROR_PAUSE)
                continue
            if not taken:
                await self._pause(self.poll, self.wake)

    async def _deliver_forever(self) -> None:
        while not self._stop.is_set():
            try:
                await self.delivery.deliver_once()
            except Exception:  # keep delivering; the rows stay in the outbox
                log.exception("outbox delivery round failed")
            await self._pause(IDLE)

    async def _pause(self, seconds: float, event: asyncio.Event | None = None) -> None:
        waits = [asyncio.ensure_future(self._stop.wait())]
        if event is not None:
            waits.append(asyncio.ensure_future(event.wait()))
        await asyncio.wait(waits, timeout=seconds, return_when="FIRST_COMPLETED")
        for waiting in waits:
            waiting.cancel()
