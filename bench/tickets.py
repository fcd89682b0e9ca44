"""Benchmark: ticket create / claim / resolve throughput with 10,000 open tickets.

On SQLite (a file) and on PostgreSQL (a schema of its own, dropped afterwards), the desk
first files 10,000 open tickets, then times N create, N claim and N resolve operations
through the same `Desk` methods the chat uses (each its own transaction, with its audit
event and outbox rows). Results: bench/results/tickets.json.

    python bench/tickets.py [--open 10000] [--ops 500] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import databases  # noqa: E402
from bot.app import build_engine  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.tickets.routing import Route  # noqa: E402

ORG = "region-midtjylland"


def run(url: str, open_tickets: int, ops: int) -> dict:
    knowledge = load_knowledge(ROOT / "knowledge", ROOT / "intents")
    clock = FixedClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    desk = build_engine(knowledge, Settings(), database_url=url, clock=clock).desk
    org = knowledge.org(ORG)
    members = org.directory.function("patients").members
    route = Route("function", None, "patients", "normal", org.directory.areas[0].id)

    def file(n: int) -> str:
        ticket, _ = desk.file(
            org, "nurse@rm.example.org", f"seed-{n}", route, f"pjece {n}", "", "da"
        )
        return ticket.human_id

    started = time.perf_counter()
    for n in range(open_tickets):
        file(n)
        if n and n % 2000 == 0:
            print(f"  {n} open tickets filed…", file=sys.stderr)
    seeded = time.perf_counter() - started

    def timed(label, fn, items):
        t0 = time.perf_counter()
        results = [fn(item) for item in items]
        seconds = time.perf_counter() - t0
        return results, {
            "ops": len(items),
            "seconds": round(seconds, 3),
            "per_second": round(len(items) / seconds, 1),
        }

    created, create = timed("create", lambda n: file(open_tickets + n), list(range(ops)))
    _, claim = timed("claim", lambda h: desk.claim(org, h, members[0]), created)
    _, resolve = timed("resolve", lambda h: desk.resolve(org, h, members[0]), created)
    return {
        "seed_open_tickets": open_tickets,
        "seed_seconds": round(seeded, 1),
        "create": create,
        "claim": claim,
        "resolve": resolve,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--ops", type=int, default=500)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    for database, url in databases.both(args.postgres):
        results[database] = run(url, args.open, args.ops)
    out = ROOT / "bench" / "results" / "tickets.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
