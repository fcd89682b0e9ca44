"""Benchmark: per-question latency of the engine, beside bare rapidfuzz.

Measures, in one run:
- start-up: loading and validating all knowledge, then indexing the default org;
- p50/p99 per question on the shipped knowledge (the dev set questions): understanding
  alone (language, intent patterns, matching, decision) and the whole `Engine.handle`
  (with the guard, the replies and the database writes: the exchange is recorded, and a
  crisis or a request files a ticket or a draft);
- the same on synthetic knowledge of 1,000 and 10,000 entries (made from the shipped
  vocabulary), each beside a bare `rapidfuzz.process.extract` over the same choices.

Results: bench/results/answer_latency.json (and printed). Run:
    python bench/answer_latency.py [--questions 400]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_engine  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.knowledge.loader import Knowledge, OrgKnowledge, load_knowledge  # noqa: E402
from bot.knowledge.models import Entry, Source  # noqa: E402
from bot.languages import LANGS  # noqa: E402
from bot.replies import Incoming  # noqa: E402
from bot.understanding.normalise import clean  # noqa: E402

ORG = "region-midtjylland"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def synthetic(knowledge: Knowledge, size: int, rng: random.Random) -> Knowledge:
    """`size` entries whose examples are shuffled word sequences of the shipped ones."""
    shipped = knowledge.org(ORG)
    words = {
        lang: [
            w for e in shipped.entries.values() for q in e.examples.get(lang, []) for w in q.split()
        ]
        for lang in LANGS
    }
    template = next(iter(shipped.entries.values()))
    entries = {}
    for n in range(size):
        examples = {
            lang: [" ".join(rng.sample(words[lang], rng.randint(4, 9))) for _ in range(6)]
            for lang in LANGS
        }
        entries[f"synthetic.entry_{n}"] = Entry(
            id=f"synthetic.entry_{n}",
            title={lang: f"{lang} {n}" for lang in LANGS},
            answer={lang: "..." for lang in LANGS},
            examples=examples,
            source=[Source(name="synthetic", url="https://example.org")],
            related=[],
            expert_function="media",
            owner="bench@example.org",
            review_by=template.review_by,
            layer="common",
        )
    org = OrgKnowledge(shipped.org, entries, shipped.directory, shipped.plan)
    return Knowledge(
        {ORG: org}, knowledge.intents, knowledge.messages, knowledge.synonyms, f"synthetic-{size}"
    )


def measure(engine: Engine, questions: list[str]) -> dict:
    index = engine.understanding.index(ORG)
    choices = index.example_strings
    handle = timed(lambda q: engine.handle(Incoming(text=q, org=ORG)), questions)
    understanding = engine.understanding

    def understand(question: str) -> None:
        text = clean(question)
        understanding.understand(text, ORG, understanding.language(text, "da").lang)

    understand_ms = timed(understand, questions)
    bare = timed(lambda q: process.extract(q, choices, scorer=fuzz.ratio, limit=3), questions)
    return {
        "entries": len(engine.knowledge.org(ORG).entries),
        "choices": len(choices),
        "understand_p50_ms": round(statistics.median(understand_ms), 3),
        "understand_p99_ms": round(percentile(understand_ms, 0.99), 3),
        "engine_p50_ms": round(statistics.median(handle), 3),
        "engine_p99_ms": round(percentile(handle, 0.99), 3),
        "bare_rapidfuzz_p50_ms": round(statistics.median(bare), 3),
        "bare_rapidfuzz_p99_ms": round(percentile(bare, 0.99), 3),
        "engine_over_bare_p50": round(statistics.median(handle) / statistics.median(bare), 2),
        "understand_over_bare_p50": round(
            statistics.median(understand_ms) / statistics.median(bare), 2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(7)

    started = time.perf_counter()
    knowledge = load_knowledge(ROOT / "knowledge", ROOT / "intents")
    loaded = time.perf_counter()
    engine = build_engine(knowledge, Settings(), database_url="sqlite://")
    engine.warm(ORG)
    indexed = time.perf_counter()

    import yaml

    dev = [
        item["q"]
        for path in sorted((ROOT / "tests" / "eval").glob("*.yaml"))
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]
    questions = [rng.choice(dev) for _ in range(args.questions)] if dev else ["presse"]
    for q in questions[:20]:  # warm caches and lazy imports once
        engine.handle(Incoming(text=q, org=ORG))

    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "questions": len(questions),
        "startup_s": {
            "load_and_validate": round(loaded - started, 3),
            "index_default_org": round(indexed - loaded, 3),
            "total": round(indexed - started, 3),
        },
        "shipped": measure(engine, questions),
    }
    for size in (1_000, 10_000):
        print(f"building synthetic knowledge of {size} entries…", file=sys.stderr)
        synthetic_engine = build_engine(
            synthetic(knowledge, size, rng), Settings(), database_url="sqlite://"
        )
        synthetic_engine.warm(ORG)
        results[f"synthetic_{size}"] = measure(synthetic_engine, questions)
    growth = (
        results["synthetic_10000"]["engine_p50_ms"] / results["synthetic_1000"]["engine_p50_ms"]
    )
    results["growth_p50_10k_over_1k"] = round(growth, 2)

    out = ROOT / "bench" / "results" / "answer_latency.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
