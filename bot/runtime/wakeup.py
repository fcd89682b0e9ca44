"""Wake the inbox workers of other processes when a message is committed (PostgreSQL
LISTEN/NOTIFY); without it a worker process finds new rows only when it next polls.

The acking process sends NOTIFY in the transaction that inserts the inbox row, so the
note arrives only once the row is visible. A listener thread per worker process sets the
loop's wake event. SQLite has no such thing: there the serving process answers (its
intake sets the event directly) or workers poll.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from sqlalchemy.engine import make_url

from bot.storage.inbox import NOTIFY_CHANNEL

log = logging.getLogger("kombot.wakeup")
RECONNECT = 2.0  # seconds


class Listener:
    def __init__(self, database_url: str, loop: asyncio.AbstractEventLoop, wake: asyncio.Event):
        self.dsn = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self.loop = loop
        self.wake = wake
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="kombot-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _listen(self) -> None:
        import psycopg

        while not self._stopped.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    while not self._stopped.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            self.loop.call_soon_threadsafe(self.wake.set)
            except Exception as exc:  # the database is away: polling still finds the rows
                log.warning("inbox listener: %s; reconnecting", type(exc).__name__)
                self._stopped.wait(RECONNECT)
