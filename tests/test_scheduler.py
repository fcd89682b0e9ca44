"""The scheduler runs on one process: PostgreSQL fails over when the leader dies,
SQLite refuses a second one. Real processes (`kombot reminders scheduler`), real locks."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot.knowledge.loader import load_knowledge
from bot.runtime.leadership import Leadership, SchedulerRefused
from bot.storage.db import make_engine, migrate
from bot.storage.models import Nudge, OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
KOMBOT = [sys.executable, "-c", "from bot.entry import main; main()"]


class Scheduler:
    """`kombot reminders scheduler` in its own process, its output read line by line."""

    def __init__(self, url: str, log: Path):
        env = {**os.environ, "KOMBOT_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        self.log = log
        self.process = subprocess.Popen(
            [*KOMBOT, "reminders", "scheduler", "--interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def said(self, words: str) -> bool:
        return words in self.log.read_text()

    def wait_for(self, words: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not self.said(words):
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"no {words!r} in {self.log.read_text()}"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def due_nudges(url: str, batch: str, count: int) -> list[str]:
    """Plant `count` nudges due a minute ago for real leaders (the tick sends them)."""
    knowledge = load_knowledge(ROOT / "knowledge", ROOT / "intents")
    leaders = [
        (org.id, leader.email)
        for org in knowledge.orgs.values()
        for leader in org.directory.leaders
    ]
    now = dt.datetime.now(dt.UTC)
    keys = []
    with Session(create_engine(url)) as session, session.begin():
        for n in range(count):
            org, leader = leaders[n % len(leaders)]
            key = f"nudge:failover:{batch}:{n}"
            keys.append(key)
            session.add(
                Nudge(
                    key=key,
                    org=org,
                    leader=leader,
                    step="prepare_goals",
                    year=2099,
                    due_at=now - dt.timedelta(minutes=1),
                    status="planned",
                )
            )
    return keys


def sent_once(url: str, keys: list[str]) -> bool:
    with Session(create_engine(url)) as session:
        rows = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.key.in_(keys))
        )
        planned = session.scalar(
            select(func.count())
            .select_from(Nudge)
            .where(Nudge.key.in_(keys), Nudge.status != "sent")
        )
    return rows == len(keys) and planned == 0


def wait_until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def test_leader_killed_the_standby_takes_over_no_nudge_lost_or_doubled(pg_url, tmp_path):
    migrate(make_engine(pg_url))
    first_batch = due_nudges(pg_url, "a", 6)
    leader = Scheduler(pg_url, tmp_path / "a.log")
    standby = None
    try:
        leader.wait_for("scheduler: leader")
        standby = Scheduler(pg_url, tmp_path / "b.log")
        standby.wait_for("scheduler: standby")
        wait_until(lambda: sent_once(pg_url, first_batch))
        assert not standby.said("scheduler: leader")
        leader.process.send_signal(signal.SIGKILL)  # kill -9: no clean-up, no goodbye
        leader.process.wait(timeout=10)
        second_batch = due_nudges(pg_url, "b", 6)
        standby.wait_for("scheduler: leader", seconds=30)
        wait_until(lambda: sent_once(pg_url, first_batch + second_batch))
    finally:
        leader.stop()
        if standby:
            standby.stop()


def test_sqlite_refuses_a_second_scheduler_clearly(tmp_path):
    url = f"sqlite:///{tmp_path / 'kombot.db'}"
    migrate(make_engine(url))
    first = Leadership(url)
    assert first.try_acquire()
    with pytest.raises(SchedulerRefused, match="already runs the scheduler"):
        Leadership(url).try_acquire()
    first.release()
    assert Leadership(url).try_acquire()


def test_second_scheduler_process_on_sqlite_exits_with_the_reason(tmp_path):
    url = f"sqlite:///{tmp_path / 'kombot.db'}"
    first = Scheduler(url, tmp_path / "a.log")
    try:
        first.wait_for("scheduler: leader")
        env = {**os.environ, "KOMBOT_DATABASE_URL": url}
        second = subprocess.run(
            [*KOMBOT, "reminders", "scheduler"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "already runs the scheduler" in second.stderr
    finally:
        first.stop()
