"""Two advisers press *Claim* on the same ticket at the same moment, from two processes
on PostgreSQL: exactly one wins, the other is told who has it."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

from bot.app import build_engine
from bot.clock import FixedClock
from bot.config import Settings
from bot.knowledge.loader import load_knowledge
from bot.tickets.routing import Route

ROOT = Path(__file__).resolve().parent.parent
ORG = "region-midtjylland"
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def _desk(url: str):
    knowledge = load_knowledge(ROOT / "knowledge", ROOT / "intents")
    engine = build_engine(knowledge, Settings(), database_url=url, clock=FixedClock(NOW))
    return knowledge.org(ORG), engine.desk


def _claim(url: str, actor: str, barrier, results) -> None:
    org, desk = _desk(url)
    barrier.wait()
    outcome = desk.claim(org, "RM-2026-0001", actor)
    results.put((actor, outcome.key, outcome.values.get("name")))


def test_two_processes_claim_at_once_exactly_one_wins(pg_url):
    org, desk = _desk(pg_url)
    members = org.directory.function("patients").members
    route = Route("function", None, "patients", "normal", org.directory.areas[0].id)
    desk.file(org, "nurse@rm.example.org", "m-1", route, "pjece", "", "da")
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_claim, args=(pg_url, who, barrier, results)) for who in members[:2]
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in workers)
    keys = sorted(key for _, key, _ in outcomes)
    assert keys == ["claimed_by_other", "claimed_ok"]
    [ticket] = desk.tickets()
    winner = next(actor for actor, key, _ in outcomes if key == "claimed_ok")
    loser_told = next(name for _, key, name in outcomes if key == "claimed_by_other")
    assert ticket.assignee == winner
    assert loser_told == org.directory.person(winner).name
    assert [e.kind for e in desk.events(ticket.id)] == ["created", "claimed"]
