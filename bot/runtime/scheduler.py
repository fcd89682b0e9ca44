"""The scheduler: APScheduler 3 (AsyncIOScheduler) with its SQLAlchemy job store on the
bot's database, running one tick job on the process that holds the leadership.

The tick computes what is due from the database (nudges, ticket escalations), so a missed
tick loses nothing: the next one catches up, within each plan's grace period. The job is
added only when the store has none, never re-added at start (re-adding would recompute
its next run and drop a missed one).

Leadership survives database outages: an error while taking or checking the lock is
logged, the process steps down and tries again with backoff; `leaderless_seconds` says how
long no leader has been known (shown by /healthz and /metrics). A leader whose APScheduler
has stopped ticking (its job store failed inside APScheduler's own wake-up, which then
never wakes again) is restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.analytics.review import notify_stale_owners
from bot.engine import Engine
from bot.runtime.leadership import Leadership, SchedulerRefused

log = logging.getLogger("kombot.scheduler")

JOB_ID = "kombot-tick"
HOUSEKEEPING = dt.timedelta(hours=1)  # stale-entry notices and retention
RETRY_CAP = 10.0  # seconds between attempts to lead while the database is unreachable
_runtime: SchedulerRuntime | None = None


def tick() -> None:
    """The job (an importable function, as the persistent job store requires)."""
    if _runtime is not None:
        _runtime.tick()


class SchedulerRuntime:
    def __init__(
        self,
        engine: Engine,
        database_url: str,
        interval_seconds: float = 60.0,
        announce=print,
        retention_days: int = 90,
    ):
        self.engine = engine
        self.database_url = database_url
        self.interval = interval_seconds
        self.leadership = Leadership(database_url)
        self.announce = announce
        self.scheduler: AsyncIOScheduler | None = None
        self.retention_days = retention_days
        self._housekeeping_at: dt.datetime | None = None
        self._leader_seen = time.monotonic()  # when a leader (here or elsewhere) was known
        self._ticked = time.monotonic()
        self._failures = 0

    @property
    def role(self) -> str:
        return "leader" if self.scheduler is not None else "standby"

    @property
    def leaderless_seconds(self) -> float:
        """How long no leader has been known to this process (0 while one is)."""
        return round(max(0.0, time.monotonic() - self._leader_seen), 1)

    def tick(self) -> None:
        self._ticked = time.monotonic()
        report = self.engine.reminders.run_due()
        escalated = self.engine.desk.escalate_due()
        now = self.engine.desk.clock.now()
        if self._housekeeping_at is None or now - self._housekeeping_at > HOUSEKEEPING:
            notify_stale_owners(
                self.engine.knowledge, self.engine.desk.sessions, self.engine.desk.clock
            )
            self.engine.records.apply_retention(self.retention_days)
            self._housekeeping_at = now
        if report.sent or report.missed or escalated:
            log.info(
                "tick: nudges sent=%d missed=%d skipped=%d; tickets escalated=%d",
                len(report.sent),
                len(report.missed),
                len(report.skipped),
                escalated,
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Hold or wait for the leadership until `stop` is set."""
        global _runtime
        _runtime = self
        self.announce("scheduler: standby")
        try:
            while not stop.is_set():
                wait = min(self.interval, 2.0)
                try:
                    await self._hold_or_wait()
                    self._failures = 0
                except SchedulerRefused:
                    raise
                except Exception as exc:  # the database is away: step down, try again later
                    self._failures += 1
                    wait = min(RETRY_CAP, 2.0 * 2 ** min(self._failures - 1, 4))
                    log.warning(
                        "scheduler: leadership check failed (%s); retrying in %.0f s",
                        type(exc).__name__,
                        wait,
                    )
                    self._stop()
                    self.leadership.release()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)
        finally:
            self._stop()
            self.leadership.release()

    async def _hold_or_wait(self) -> None:
        """The database work runs off the event loop: a lock or an outage must not stall
        the acks and health checks that share it."""
        if self.scheduler is None:
            if await asyncio.to_thread(self.leadership.try_acquire):
                await self._start()
            self._leader_seen = time.monotonic()  # ours now, or another process holds it
        elif await asyncio.to_thread(self.leadership.held):
            self._leader_seen = time.monotonic()
            silent = time.monotonic() - self._ticked
            if silent > 3 * self.interval + 5:
                log.warning("scheduler: no tick for %.0f s; restarting it", silent)
                self._stop()
                await self._start()
        else:
            self._stop()
            self.announce("scheduler: lost the leadership; standby")

    async def _start(self) -> None:
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=self.database_url)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.start()
        trigger = IntervalTrigger(seconds=self.interval)
        job = self.scheduler.get_job(JOB_ID)
        if job is None:
            self.scheduler.add_job(tick, trigger, id=JOB_ID)
        elif job.trigger.interval != trigger.interval:  # the interval was reconfigured
            self.scheduler.reschedule_job(JOB_ID, trigger=trigger)
        await asyncio.to_thread(self.tick)  # catch up at once: what was missed while no leader ran
        self.announce("scheduler: leader")

    def _stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
