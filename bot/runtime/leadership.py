"""Only one process runs the scheduler.

PostgreSQL: a session-level advisory lock held on a dedicated connection; when the holder
dies its connection closes, PostgreSQL releases the lock and a standby takes it. (Not
through PgBouncer in transaction pooling: session locks need a session.)
SQLite: a file lock beside the database file: the database has one writer anyway, and a
second scheduler on the same file is refused with a clear message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

LOCK_KEY = 0x6B6F6D626F74  # "kombot"


class SchedulerRefused(RuntimeError):
    """Another process already runs the scheduler on this SQLite database."""


class Leadership:
    def __init__(self, url: str):
        self.url = make_url(url)
        self._connection: Connection | None = None
        self._file: int | None = None

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def try_acquire(self) -> bool:
        if self.is_postgres:
            return self._acquire_advisory()
        self._acquire_file()
        return True

    def held(self) -> bool:
        """Still ours? (PostgreSQL: the lock's connection is alive.)"""
        if not self.is_postgres:
            return True
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
            return True
        except Exception:  # the connection is gone, and the lock with it
            self.release()
            return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a broken connection is gone anyway
                self._connection.close()
            self._connection = None
        if self._file is not None:
            os.close(self._file)
            self._file = None

    def _acquire_advisory(self) -> bool:
        if self._connection is None:
            engine = create_engine(self.url, poolclass=NullPool)
            self._connection = engine.connect()
        got = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
        ).scalar()
        self._connection.commit()  # a session-level lock outlives the transaction
        return bool(got)

    def _acquire_file(self) -> None:
        database = self.url.database
        if not database or database == ":memory:":
            return  # an in-memory database lives in this process only
        path = Path(f"{database}.scheduler.lock")
        self._file = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._file)
            self._file = None
            raise SchedulerRefused(
                f"another kombot process already runs the scheduler on {database}. With "
                "SQLite run one process; for several replicas use PostgreSQL "
                "(DATABASE_URL=postgresql+psycopg://…)."
            ) from None
