"""Benchmark: plan a year of nudges for 5,000 leaders, then deliver a burst of 5,000 due
nudges through the outbox.

Planning: `Reminders.plan(year)` (calendar with holidays and time zones, then one
idempotent insert per nudge) for a synthetic directory of N leaders; the target is ≤ 2 s.
Burst: N nudges due at the same minute; `run_due` writes them to the outbox and a worker
delivers them to a no-op sender. Reports throughput and the process's peak RSS.
Results: bench/results/reminders.json.

    python bench/reminders.py [--leaders 5000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import databases  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.knowledge.loader import Knowledge, load_knowledge  # noqa: E402
from bot.reminders import calendar  # noqa: E402
from bot.reminders.goals import GoalRegister  # noqa: E402
from bot.reminders.nudges import Reminders  # noqa: E402
from bot.storage.db import make_engine, migrate, sessions  # noqa: E402
from bot.storage.outbox import OutboxWorker  # noqa: E402

ORG = "region-midtjylland"


def with_leaders(knowledge: Knowledge, count: int) -> Knowledge:
    """The default org with `count` leaders, all meeting on 2027-03-11."""
    org = knowledge.org(ORG)
    directory = org.directory.model_dump()
    template = directory["leaders"][0]
    directory["people"] += [
        {"email": f"leader{n}@rm.example.org", "name": f"Leader {n}"} for n in range(count)
    ]
    directory["leaders"] = [
        {**template, "email": f"leader{n}@rm.example.org"} for n in range(count)
    ]
    org = type(org)(org.org, org.entries, type(org.directory).model_validate(directory), org.plan)
    return Knowledge(
        {ORG: org}, knowledge.intents, knowledge.messages, knowledge.synonyms, knowledge.version
    )


def run(url: str, knowledge: Knowledge, leaders: int) -> dict:
    db = make_engine(url)
    migrate(db)
    factory = sessions(db)
    clock = FixedClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    reminders = Reminders(knowledge, factory, clock, GoalRegister(factory, clock))
    started = time.perf_counter()
    planned = reminders.plan(2027)
    plan_seconds = time.perf_counter() - started

    first = min(o.due_at for o in calendar.occurrences(knowledge.org(ORG), 2027))
    clock.current = first + dt.timedelta(minutes=1)  # every leader's first nudge is due
    started = time.perf_counter()
    report = reminders.run_due()
    enqueue_seconds = time.perf_counter() - started
    worker = OutboxWorker(factory, lambda row: None, clock)
    started = time.perf_counter()
    delivered = 0
    while batch := worker.run_once(limit=500):
        delivered += batch
    deliver_seconds = time.perf_counter() - started
    return {
        "leaders": leaders,
        "plan": {"nudges": planned, "seconds": round(plan_seconds, 3)},
        "burst": {
            "due": len(report.sent),
            "run_due_seconds": round(enqueue_seconds, 3),
            "delivered": delivered,
            "deliver_seconds": round(deliver_seconds, 3),
            "delivered_per_second": round(delivered / deliver_seconds, 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaders", type=int, default=5000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    knowledge = with_leaders(load_knowledge(ROOT / "knowledge", ROOT / "intents"), args.leaders)
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    for database, url in databases.both(args.postgres):
        results[database] = run(url, knowledge, args.leaders)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out = ROOT / "bench" / "results" / "reminders.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
