"""Calibrate the decision thresholds on the development set (tests/eval/*.yaml).

Scores every question once, then replays the decision for a grid of thresholds and
prints the best settings by top-1 accuracy, keeping abstention on out-of-scope questions
at 0.95 or better. The chosen values live in bot/understanding/decide.py.

    python bench/calibrate.py [--top 10]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_engine  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluation import _in_scope  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.understanding import decide as decide_module  # noqa: E402
from bot.understanding.decide import Decision  # noqa: E402
from bot.understanding.normalise import clean  # noqa: E402

DEFAULT_ORG = "region-midtjylland"


def outcome_ok(expect, decision: Decision) -> bool:
    if isinstance(expect, list):
        return any(outcome_ok(e, decision) for e in expect)
    if expect is None:
        return decision.kind in ("fallback", "suggestions") or (
            decision.kind == "intent" and decision.target.id in ("help", "greeting")
        )
    if str(expect).startswith("intent:"):
        return decision.kind == "intent" and decision.target.id == expect[7:]
    return decision.kind == "answer" and decision.target.id == expect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    engine = build_engine(
        load_knowledge(ROOT / "knowledge", ROOT / "intents"), Settings(), database_url="sqlite://"
    )
    u = engine.understanding
    items = [
        i
        for p in sorted((ROOT / "tests" / "eval").glob("*.yaml"))
        for i in yaml.safe_load(p.read_text(encoding="utf-8"))
    ]
    scored = []
    for item in items:
        org = item.get("org", DEFAULT_ORG)
        text = clean(str(item["q"]))
        lang = u.language(text, engine.knowledge.org(org).org.language).lang
        pattern = u.pattern_intent(text)
        index = u.index(org)
        scored.append((item, pattern, index.targets, index.score(text, lang)))

    rows = []
    grid = itertools.product(
        [0.44, 0.46, 0.48, 0.50, 0.52, 0.54, 0.56], [0.0, 0.01, 0.02, 0.04], [0.28, 0.33, 0.38]
    )
    for answer_at, margin, suggest_at in grid:
        decide_module.ANSWER_AT, decide_module.ANSWER_MARGIN = answer_at, margin
        decide_module.SUGGEST_AT = suggest_at
        ok = oos_ok = oos = wrong_answers = 0
        for item, pattern, targets, scores in scored:
            if pattern:
                from bot.understanding.index import Target

                decision = Decision("intent", Target("intent", pattern), 1.0)
            else:
                decision = decide_module.decide(targets, scores)
            good = outcome_ok(item["expect"], decision)
            ok += good
            if not _in_scope(item["expect"]):
                oos += 1
                oos_ok += good
            elif not good and decision.kind in ("answer", "intent"):
                wrong_answers += 1
        rows.append(
            (ok / len(scored), oos_ok / max(oos, 1), wrong_answers, answer_at, margin, suggest_at)
        )
    rows = [r for r in rows if r[1] >= 0.95]
    rows.sort(key=lambda r: (-r[0], r[2]))
    print("top1   oos    wrong  ANSWER_AT MARGIN SUGGEST_AT")
    for r in rows[: args.top]:
        print(f"{r[0]:.3f}  {r[1]:.3f}  {r[2]:5d}  {r[3]:.2f}      {r[4]:.2f}   {r[5]:.2f}")


if __name__ == "__main__":
    main()
