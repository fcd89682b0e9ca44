"""Shared fixtures: the shipped knowledge, one engine, and a `bot` to talk to.

def test_x(bot):
    replies = bot.say("må jeg tale med pressen?")
    bot.press("Hjælpsomt")
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from bot.app import build_engine
from bot.channels import actions
from bot.clock import FixedClock
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge.loader import Knowledge, load_knowledge
from bot.replies import Action, Incoming, Reply
from bot.storage.outbox import OutboxWorker

ROOT = Path(__file__).resolve().parent.parent
# Models are trained once per knowledge version and kept beside the checkout, so a run
# (and the servers it starts) share them without touching the user's cache.
os.environ.setdefault("KOMBOT_MODEL_CACHE_DIR", str(ROOT / ".pytest_cache" / "kombot-models"))


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(ROOT / "knowledge", ROOT / "intents")


@pytest.fixture(scope="session")
def engine(knowledge) -> Engine:
    """An engine on a throw-away in-memory database, for tests that do not look at it."""
    return build_engine(knowledge, Settings(), database_url="sqlite://")


class ChatBot:
    """A conversation with the engine, the way a test reads it."""

    def __init__(self, engine: Engine, org: str, user: str = "nurse@example.org"):
        self.engine = engine
        self.org = org
        self.user = user
        self.last: list[Reply] = []

    def say(self, text: str, org: str | None = None, message_id: str | None = None) -> list[Reply]:
        self.last = self.engine.handle(
            Incoming(text=text, org=org or self.org, user=self.user, message_id=message_id)
        )
        return self.last

    def main(self, text: str, org: str | None = None) -> Reply:
        """The reply that answers the question (warnings and notes aside)."""
        replies = self.say(text, org)
        return next((r for r in replies if r.kind != "notice"), replies[-1])

    def choice(self, label: str) -> Action:
        for reply in self.last:
            for choice in reply.choices:
                if choice.label == label or choice.label.endswith(label):
                    return choice.action
        labels = [c.label for r in self.last for c in r.choices]
        raise AssertionError(f"no button {label!r} in {labels}")

    def press(self, label: str, message_id: str | None = None) -> list[Reply]:
        return self.act(self.choice(label), message_id)

    def act(self, action: Action, message_id: str | None = None) -> list[Reply]:
        self.last = self.engine.handle(
            Incoming(text="", org=self.org, user=self.user, action=action, message_id=message_id)
        )
        return self.last

    def click(self, payload: dict, label: str) -> list[Reply]:
        """Press a button of a notification the outbox delivered to this person."""
        for choice in payload["choices"]:
            if choice["label"] == label:
                return self.act(actions.from_stored(choice["action"]))
        raise AssertionError(f"no button {label!r} in {payload['choices']}")

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)


@pytest.fixture
def bot(engine) -> ChatBot:
    return ChatBot(engine, "region-midtjylland")


# --- databases: every storage test runs on SQLite and on PostgreSQL ---------------------
POSTGRES_URL = os.environ.get(
    "KOMBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("KOMBOT_REQUIRE_POSTGRES") == "1"


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def _require_postgres() -> None:
    """Skip without PostgreSQL, or fail where it is required (CI)."""
    problem = _postgres_reachable()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (KOMBOT_REQUIRE_POSTGRES=1) but: {problem}")
        pytest.skip(
            f"no PostgreSQL at {POSTGRES_URL} ({problem}); set "
            "KOMBOT_TEST_POSTGRES_URL to run these tests"
        )


@contextmanager
def _database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own in PostgreSQL."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'kombot.db'}"
        return
    _require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_database() -> Iterator[tuple[str, str]]:
    """PostgreSQL only: a database of its own (name, URL), for tests that take it away."""
    _require_postgres()
    name = f"kombot_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as exc:  # e.g. a role without CREATEDB
        admin.dispose()
        reason = f"cannot create a database at {POSTGRES_URL}: {str(exc).splitlines()[0]}"
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    url = create_engine(POSTGRES_URL).url.set(database=name)
    try:
        yield name, url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    with _database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def pg_url(tmp_path) -> Iterator[str]:
    """PostgreSQL only: for what needs several processes on one database."""
    with _database("postgresql", tmp_path) as url:
        yield url


class World:
    """One engine on a real database with a clock that tests move, and people to play."""

    def __init__(self, knowledge: Knowledge, url: str, now: dt.datetime):
        self.clock = FixedClock(now)
        self.engine = build_engine(knowledge, Settings(), database_url=url, clock=self.clock)
        self.desk = self.engine.desk
        self.delivered: list[tuple[str, dict]] = []
        self.worker = OutboxWorker(self.desk.sessions, self._record, self.clock)

    def _record(self, row) -> None:
        self.delivered.append((row.recipient, row.payload))

    def person(self, email: str, org: str = "region-midtjylland") -> ChatBot:
        return ChatBot(self.engine, org, user=email)

    def deliver(self) -> list[tuple[str, dict]]:
        """Run the outbox worker once; what it delivered now."""
        before = len(self.delivered)
        self.worker.run_once(limit=500)
        return self.delivered[before:]

    def inbox(self, email: str) -> list[dict]:
        return [payload for recipient, payload in self.delivered if recipient == email]


@pytest.fixture
def world(knowledge, db_url) -> Iterator[World]:
    # Tuesday 24 November 2026, 10:00 in Denmark; ISO week 48 (even)
    world = World(knowledge, db_url, dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    yield world
    world.desk.sessions.engine.dispose()  # PostgreSQL has few connections
