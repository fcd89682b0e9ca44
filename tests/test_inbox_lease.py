"""A worker whose lease runs out while it answers must not answer a second time.

Two workers share one inbox (as two replicas do). The first claims a crisis message and
stalls; its lease runs out; the second claims it again and answers. When the first goes
on, its whole unit of work is rolled back: one ticket, one reply, and the message is not
counted as failed. Runs on SQLite and PostgreSQL (the `world` fixture).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot.replies import Incoming
from bot.runtime.answering import Answering, Prepared, Route
from bot.runtime.threads import Threads
from bot.storage.inbox import Inbox
from bot.storage.models import InboxMessage, OutboxMessage

RM = "region-midtjylland"
CRISIS = "TV2 står i forhallen og spørger til dødsfaldet på afdeling B"
LEASE = dt.timedelta(seconds=30)


class Stalling:
    """A channel whose first `prepare` waits until the test lets it go on (or fail)."""

    def __init__(self, stall: bool = True, fail: bool = False):
        self.go_on = asyncio.Event()
        self.stalled = asyncio.Event()
        self.fail = fail
        self.calls = 0 if stall else 1

    def route(self, engine, payload: dict) -> Route:
        return Route(RM, {"platform": "test"})

    async def prepare(self, engine, payload: dict, key: str) -> Prepared:
        self.calls += 1
        if self.calls == 1:
            self.stalled.set()
            await self.go_on.wait()
            if self.fail:
                raise RuntimeError("the stalled worker fails after all")
        incoming = Incoming(text=payload["text"], org=RM, user=payload["user"], message_id=key)
        return Prepared(self.route(engine, payload), payload["user"], [incoming])


def two_workers(world, channel: Stalling) -> tuple[Inbox, Answering, Answering]:
    inbox = Inbox(world.desk.sessions, world.clock, lease=LEASE)
    workers = tuple(
        Answering(lambda: world.engine, inbox, {"test": channel}, Threads(name, 2))
        for name in ("first", "second")
    )
    return inbox, *workers


def race(world, fail: bool) -> Inbox:
    """The first worker stalls past its lease; the second answers; the first goes on."""
    channel = Stalling(fail=fail)
    inbox, first, second = two_workers(world, channel)
    officer = world.engine.knowledge.org(RM).directory.admins()[0]
    assert inbox.accept("test:Ev001", "test", {"text": CRISIS, "user": officer})

    async def scenario():
        stalled = asyncio.create_task(first.run_once())
        await channel.stalled.wait()
        assert await second.run_once() == 0  # leased to the first
        world.clock.advance(seconds=LEASE.total_seconds() + 1)
        assert await second.run_once() == 1
        channel.go_on.set()
        assert await stalled == 1

    asyncio.run(scenario())
    return inbox


def rows(world, model):
    with world.desk.sessions() as session:
        return list(session.scalars(select(model)))


def test_a_worker_whose_lease_ran_out_does_not_answer_again(world):
    inbox = race(world, fail=False)
    assert len(world.desk.tickets()) == 1
    replies = [r for r in rows(world, OutboxMessage) if r.key.startswith("reply:")]
    assert [r.key for r in replies] == ["reply:test:Ev001"]
    [message] = rows(world, InboxMessage)
    assert (message.status, message.attempts, message.last_error) == ("done", 2, None)
    assert inbox.dead_letters() == []


def test_a_worker_whose_lease_ran_out_cannot_mark_the_message_failed(world):
    inbox = race(world, fail=True)
    [message] = rows(world, InboxMessage)
    assert (message.status, message.last_error) == ("done", None)
    assert len(world.desk.tickets()) == 1
    apologies = [r for r in rows(world, OutboxMessage) if r.key.startswith("failed:")]
    assert apologies == []
    assert inbox.counts() == {"done": 1}


def test_handled_keys_are_forgotten_after_the_redelivery_window(world):
    inbox = Inbox(world.desk.sessions, world.clock)
    channel = Stalling(stall=False)
    answering = Answering(lambda: world.engine, inbox, {"test": channel}, Threads("w", 1))
    assert inbox.accept("test:m-1", "test", {"text": "hvad er lix", "user": "a@rm.example.org"})
    assert asyncio.run(answering.run_once()) == 1
    assert not inbox.accept("test:m-1", "test", {"text": "hvad er lix", "user": "a@rm"})
    world.clock.advance(days=1)
    assert world.engine.records.apply_retention(90)["message_ids"] == 0
    world.clock.advance(days=2)
    assert world.engine.records.apply_retention(90)["message_ids"] == 1
    assert inbox.counts() == {}


def test_the_fast_path_is_handed_each_reply_as_the_outbox_holds_it(world):
    """A fresh reply goes to the fast path as the row its unit wrote, leased to this
    worker, not read back: what is sent at once is what the delivery loop would send."""
    inbox = Inbox(world.desk.sessions, world.clock)
    handed: list[OutboxMessage] = []

    async def deliver_now(leased: list[OutboxMessage]) -> None:
        handed.extend(leased)

    channel = Stalling(stall=False)
    answering = Answering(lambda: world.engine, inbox, {"test": channel}, Threads("w", 2))
    answering.delivered = deliver_now
    for n, text in enumerate(("hvad er lix", "hvem er min kontaktperson", CRISIS)):
        assert inbox.accept(f"test:m-{n}", "test", {"text": text, "user": "a@rm.example.org"})
    assert asyncio.run(answering.run_once()) == 3
    stored = {r.key: r for r in rows(world, OutboxMessage) if r.key.startswith("reply:")}
    assert (
        sorted(row.key for row in handed)
        == sorted(stored)
        == [f"reply:test:m-{n}" for n in range(3)]
    )
    for row in handed:
        kept = stored[row.key]
        assert (row.id, row.org, row.recipient, row.payload) == (
            kept.id,
            kept.org,
            kept.recipient,
            kept.payload,
        )
        assert (kept.status, kept.attempts, row.attempts) == ("sending", 1, 1)
