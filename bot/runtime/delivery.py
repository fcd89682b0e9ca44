"""Deliver outbox rows: answers to where the question came from, notifications to the
person (Teams if they have talked to the bot there, else Slack), triage posts to a channel.

Rows are grouped by destination and the groups are sent concurrently, each call with a
timeout: one endpoint that hangs delays its own rows only. A failed send stays in the
outbox and is retried with backoff. A ticket card is remembered where it landed, in the
same transaction that marks it sent, so that later changes rewrite it (`bot.tickets.cards`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.channels import teams_views
from bot.channels.actions import payload_replies
from bot.channels.slack import SlackChannel
from bot.engine import Engine
from bot.runtime.threads import Threads
from bot.storage.models import OutboxMessage
from bot.storage.outbox import RETRY_BASE, OutboxWorker
from bot.tickets import cards
from bot.tickets.routing import SLACK_CHANNEL, TEAMS_CHANNEL

if TYPE_CHECKING:
    from bot.channels.teams import TeamsChannel

log = logging.getLogger("kombot.delivery")
SEND_TIMEOUT = 15.0  # seconds for one message, retries of a 429 included
BATCH = 100


class NoRoute(RuntimeError):
    """Nobody knows how to reach this recipient yet (no Slack id, no Teams conversation)."""


class Unreachable(RuntimeError):
    """A triage channel this deployment cannot post to: skipped, not retried."""


class Delivery:
    def __init__(
        self,
        engine: Callable[[], Engine],
        slack: SlackChannel | None,
        teams: TeamsChannel | None,
        threads: Threads,
        retry_base: dt.timedelta = RETRY_BASE,
        timeout: float = SEND_TIMEOUT,
    ):
        self.engine = engine
        self.slack = slack
        self.teams = teams
        self.threads = threads
        self.retry_base = retry_base
        self.timeout = timeout
        self._unmarked: list[tuple[OutboxMessage, object]] = []  # sent, not yet marked
        self._marker: asyncio.Task | None = None

    async def deliver_once(self, leased: list[OutboxMessage] | None = None) -> int:
        """Send rows already leased to us (`leased`, as written: the fast path), or claim
        the due ones and send those; returns how many were sent."""
        engine = self.engine()
        worker = OutboxWorker(engine.desk.sessions, None, engine.desk.clock, self.retry_base)
        if leased is None:
            leased = await self.threads.run(lambda: worker.rows(worker.claim(BATCH)))
        groups: dict[str, list[OutboxMessage]] = defaultdict(list)
        for row in leased:
            groups[destination(row)].append(row)
        sent = await asyncio.gather(
            *(self._deliver_in_order(engine, worker, rows) for rows in groups.values())
        )
        return sum(sent)

    async def _deliver_in_order(
        self, engine: Engine, worker: OutboxWorker, rows: list[OutboxMessage]
    ) -> int:
        sent, marks = 0, set()
        for row in rows:
            try:
                posted = await asyncio.wait_for(self._send(engine, row), self.timeout)
            except Unreachable as exc:
                await self.threads.run(worker.skipped, row, str(exc))
                continue
            except Exception as exc:  # incl. a timeout: retried with backoff, then failed
                await self.threads.run(worker.failed, row, exc)
                continue
            marks.add(self._was_sent(engine, worker, row, posted))
            sent += 1
        await asyncio.gather(*marks)
        return sent

    def _was_sent(
        self, engine: Engine, worker: OutboxWorker, row: OutboxMessage, posted
    ) -> asyncio.Task:
        """Queue the row to be marked sent. The marks of all deliveries under way are
        written together, a batch per transaction: one each queued for the single SQLite
        write lock behind every answer. A slow destination delays no other's marks."""
        self._unmarked.append((row, posted))
        if self._marker is None or self._marker.done():
            self._marker = asyncio.ensure_future(self._mark(engine, worker))
        return self._marker

    async def _mark(self, engine: Engine, worker: OutboxWorker) -> None:
        while self._unmarked:
            batch, self._unmarked = self._unmarked, []
            await self.threads.run(self._sent, engine, worker, batch)

    @staticmethod
    def _sent(
        engine: Engine, worker: OutboxWorker, batch: list[tuple[OutboxMessage, object]]
    ) -> None:
        with engine.desk.sessions.unit():
            worker.sent([row.id for row, _ in batch])
            with engine.desk.sessions.begin() as session:
                for row, posted in batch:
                    if posted is not None and cards.worth_keeping(row.payload):
                        cards.remember(session, row, *posted, engine.desk.clock.now())

    def _served(self, platform: str):
        """The channel of `platform`; Unreachable when this process does not serve it."""
        channel = self.slack if platform == "slack" else self.teams
        if channel is None:
            raise Unreachable(f"{platform.capitalize()} is not configured here")
        return channel

    async def _send(self, engine: Engine, row: OutboxMessage) -> tuple[str, dict] | None:
        """Send one row; for a new message, the platform and where it landed."""
        payload = row.payload
        if "ticket" in payload:  # only a ticket notice can be out of date: no hop for answers
            payload = await self.threads.run(engine.desk.as_of_now, row.org, payload)
        replies = payload_replies(payload)
        if cards.UPDATE in payload:  # a card posted before, rewritten as the ticket now reads
            message = payload[cards.UPDATE]
            channel = self._served(message["platform"])
            if message["platform"] == "teams":
                refresh = await self.threads.run(teams_views.refresh_for, engine, row.org, payload)
                await channel.update(message, replies, refresh)
            else:
                await channel.update(message, replies)
            return None
        to = payload.get("to")
        if to is not None:  # an answer: back where the question came from
            await self._served(to["platform"]).reply(to, replies)
            return None
        if row.recipient.startswith(SLACK_CHANNEL):
            channel_id = row.recipient.removeprefix(SLACK_CHANNEL)
            return "slack", await self._served("slack").deliver(channel_id, replies)
        target = (
            None if self.teams is None else await self.threads.run(self.teams.reaches, engine, row)
        )
        if target is not None:
            refresh = await self.threads.run(teams_views.refresh_for, engine, row.org, payload)
            return "teams", await self.teams.deliver(target, replies, refresh)
        if row.recipient.startswith(TEAMS_CHANNEL):
            raise Unreachable("the bot has not been added to this Teams channel")
        if self.slack is not None and (slack_user := await self.slack.reaches(engine, row)):
            return "slack", await self.slack.deliver(slack_user, replies)
        raise NoRoute(f"no Teams conversation or Slack id for {row.recipient}")


def destination(row: OutboxMessage) -> str:
    """What a slow endpoint holds up: a Teams service URL, a Slack conversation."""
    to = row.payload.get("to")
    if to is None:
        return f"person:{row.recipient}"
    if to["platform"] == "teams":
        return "teams:" + urlsplit(to["reference"].get("serviceUrl") or "").netloc
    return f"slack:{to.get('channel') or to.get('home') or to.get('response_url')}"
