"""Benchmark: the time to render each dashboard page, with 100,000 answers and 10,000
tickets, on SQLite and on PostgreSQL.

    python bench/dashboard.py [--answers 100000] [--tickets 10000] [--requests 20]

`kombot serve` runs on loopback on a database filled by `bot.dashboard.sample`; an admin
signs in by link, then each page is fetched `--requests` times in turn (HTML, and the
overview's CSV). Reports p50 and p95 per page (target: p95 <= 300 ms).
Results: bench/results/dashboard.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time

import aiohttp
from http_load import ROOT, database, free_port, publish, start, stop

from bot.clock import SystemClock
from bot.dashboard.access import Access
from bot.dashboard.sample import fill
from bot.knowledge.loader import load_knowledge
from bot.storage.db import make_engine, migrate, sessions

PAGES = ("overview", "unanswered", "unhelpful", "knowledge", "tickets", "goals")
ORG = "region-midtjylland"


async def measure(url: str, link: str, requests: int) -> dict:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(link) as response:
            assert response.status == 200, response.status
        results = {}
        for page in (*PAGES, "overview?format=csv"):
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                async with http.get(f"{url}/dashboard/{page}") as response:
                    await response.read()
                    assert response.status == 200, (page, response.status)
                timings.append((time.perf_counter() - started) * 1000)
            ordered = sorted(timings)
            results[page] = {
                "p50_ms": round(statistics.median(ordered), 1),
                "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
            }
        return results


def one_database(kind: str, args) -> dict:
    folder = tempfile.mkdtemp()
    url, drop = database(kind, folder)
    knowledge = load_knowledge(ROOT / "knowledge", ROOT / "intents")
    engine = make_engine(url)
    migrate(engine)
    print(f"{kind}: filling {args.answers} answers, {args.tickets} tickets…", file=sys.stderr)
    started = time.perf_counter()
    made = fill(knowledge, sessions(engine), args.answers, args.tickets, dt.datetime.now(dt.UTC))
    filled = time.perf_counter() - started
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    admin = next(p.email for p in knowledge.org(ORG).directory.people if p.admin)
    link = Access(knowledge, sessions(engine), SystemClock()).link(ORG, admin, base)
    engine.dispose()
    env = {"KOMBOT_DATABASE_URL": url, "KOMBOT_TEAMS_ALLOW_NO_AUTH": "1"}
    server = start(
        [sys.executable, "-c", "from bot.entry import main; main()", "serve", "--port", str(port)],
        env,
        port,
    )
    try:
        print(f"{kind}: measuring…", file=sys.stderr)
        pages = asyncio.run(measure(base, link, args.requests))
    finally:
        stop(server)
        drop()
    return {"rows": made, "fill_seconds": round(filled, 1), "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--databases", type=lambda s: s.split(","), default=["sqlite", "postgresql"]
    )
    args = parser.parse_args()
    publish(
        "dashboard",
        {
            "answers": args.answers,
            "tickets": args.tickets,
            **{kind: one_database(kind, args) for kind in args.databases},
        },
    )


if __name__ == "__main__":
    main()
