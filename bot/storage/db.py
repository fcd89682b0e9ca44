"""Database engine, sessions and migrations (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Insert

from bot.storage.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_URL = "KOMBOT_UPGRADE_DATABASE_URL"  # to `python -m bot.storage.upgrade`
BUSY_SECONDS = 30  # how long a SQLite connection waits for another's lock before failing


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    # IMMEDIATE takes the write lock at the start: a transaction that reads, then
    # writes never fails on a snapshot another process has moved on from.
    return _sqlite_engine(url, "BEGIN" if ":memory:" in url else "BEGIN IMMEDIATE")


def _sqlite_engine(url: str, begin: str) -> Engine:
    """A SQLite engine whose transactions start with `begin`."""
    engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
    event.listen(engine, "begin", lambda connection: connection.exec_driver_sql(begin))

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection, _record):  # one writer, many readers, waits not fails
        cursor = connection.cursor()
        if ":memory:" not in url:
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: durable against a crash of the process (not of the OS)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # SQLAlchemy, not the driver, begins transactions, so SAVEPOINTs work
        connection.isolation_level = None

    return engine


def _reader(engine: Engine) -> Engine:
    """Where read-only sessions read. On a SQLite file, a second engine whose transactions
    begin DEFERRED: under WAL a reader needs no lock, whereas one beginning IMMEDIATE
    queued for the single write lock behind every answer and acknowledgement (reading the
    outbox rows to send took 13 % of a worker's time under load, 2 % after). Elsewhere the
    engine itself."""
    if engine.url.get_backend_name() != "sqlite" or is_throwaway(engine):
        return engine
    return _sqlite_engine(engine.url.render_as_string(hide_password=False), "BEGIN")


def migrate(engine: Engine, *, apart: bool = False) -> None:
    """Bring the schema to the newest Alembic revision (idempotent). A throw-away
    in-memory database has no history: it gets the models' schema directly, which a test
    holds equal to the migrated one, and `kombot ask` is spared loading Alembic. So is a
    database already at the newest revision. `apart`: upgrade in a child process, for the
    server and its workers, which live for months: Alembic, Mako and Pygments stay in a
    process's memory once imported (about 8 MB)."""
    if is_throwaway(engine):
        Base.metadata.create_all(engine)
        return
    if current_revision(engine) == head_revision():
        return
    if apart:
        _upgrade_in_child(engine)
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class MigrationFailed(RuntimeError):
    """The schema upgrade in the child process failed; its error is on stderr above."""


def _upgrade_in_child(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)  # in the environment, not argv
    done = subprocess.run(
        [sys.executable, "-m", "bot.storage.upgrade"],
        env={**os.environ, UPGRADE_URL: url},
        check=False,
    )
    if done.returncode != 0:
        raise MigrationFailed(
            f"the database upgrade failed (exit {done.returncode}); its error is above"
        )


REVISION = re.compile(r'^(down_)?revision = "(\w+)"$', re.MULTILINE)


@functools.cache
def head_revision() -> str:
    """The newest migration's id, read from the scripts as text (no Alembic import)."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        for down, revision in REVISION.findall(script.read_text(encoding="utf-8")):
            (parents if down else revisions).add(revision)
    [head] = revisions - parents
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None before its first migration."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no alembic_version table yet
        return None


def is_throwaway(engine: Engine) -> bool:
    url = engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


class Sessions:
    """A session factory (`sessions()`, `sessions.begin()`) that joins the unit of work
    open on this thread, if any.

    A unit of work is one database transaction around everything a message causes: the
    tickets, records and replies it writes, and the inbox row marked done. The components
    keep calling `sessions.begin()`; inside a unit those join its transaction (a failure
    in any of them rolls the whole unit back), and nothing is committed until the unit
    is. Code that expects to lose a race takes its own SAVEPOINT (`begin_nested`).
    """

    def __init__(self, engine: Engine, reads: Engine | None = None):
        self.engine = engine
        self._default = sessionmaker(engine, expire_on_commit=False)
        self._reads = sessionmaker(reads or engine, expire_on_commit=False)
        self._unit: ContextVar[Sessions | None] = ContextVar(f"unit-{id(self)}", default=None)

    def __call__(self) -> Session:
        """A session to read with (it never commits): inside a unit, the unit's own."""
        unit = self._unit.get()
        return unit() if unit is not None else self._reads()

    def begin(self) -> AbstractContextManager[Session]:
        return self._current().begin()

    def _current(self) -> Sessions:
        return self._unit.get() or self._default

    @contextmanager
    def unit(self) -> Iterator[Connection]:
        """Commit everything done inside at once, or nothing if it raises."""
        with self.engine.connect() as connection, connection.begin():
            token = self._unit.set(
                sessionmaker(
                    connection, expire_on_commit=False, join_transaction_mode="rollback_only"
                )
            )
            try:
                yield connection
            finally:
                self._unit.reset(token)


def without_waiting_for_the_disk(target: Session | Connection) -> None:
    """PostgreSQL: this transaction's commit need not wait for its WAL to reach the disk.
    Only for writes whose loss in a database crash means work done again, never work
    lost (marking a delivery sent: it is sent again; an answer: it is answered again)."""
    bind = target.bind if isinstance(target, Session) else target
    if bind.dialect.name == "postgresql":
        target.execute(text("SET LOCAL synchronous_commit TO OFF"))


def sessions(engine: Engine) -> Sessions:
    return Sessions(engine, _reader(engine))


@functools.cache
def insert_new(table: Table, key: str, dialect: str) -> Insert:
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING the primary key: a row in the result
    means it is new. Built once per table and dialect and given its values at execution;
    building a statement cost more than running it, on every ack and answer."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    [primary] = table.primary_key.columns
    return insert(table).on_conflict_do_nothing(index_elements=[key]).returning(primary)
