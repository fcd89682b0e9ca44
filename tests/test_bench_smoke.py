"""The benchmarks' synthetic inputs still build (they are not run here: `bench/` measures,
tests do not time)."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_knowledge_for_the_latency_benchmark(knowledge):
    synthetic = load("answer_latency").synthetic(knowledge, 20, random.Random(1))
    org = synthetic.org("region-midtjylland")
    assert len(org.entries) == 20
    assert all(len(e.examples["da"]) == 6 for e in org.entries.values())


def test_many_leaders_for_the_reminders_benchmark(knowledge):
    many = load("reminders").with_leaders(knowledge, 30)
    assert len(many.org("region-midtjylland").directory.leaders) == 30
