"""Fit the softmax temperature and the decision thresholds, never on tests/eval/test/.

1. Per org, 3-fold cross-validation over the knowledge's own examples: every example is
   judged by a model that never saw it. The temperature with the least log-loss on
   those judgements is the model's temperature.
2. The model trained on everything reads every item of tests/eval/tune/ (the whole
   message and its question-bearing parts, as served).
3. `decide()` is replayed for a grid of thresholds on both; settings are ranked by
   in-scope top-1, with a steep price for falling under abstention 0.95 or crisis recall
   0.95, or over 0.02 confidently wrong, on tune/. The chosen values live in
   bot/understanding/decide.py and bot/understanding/training.py (TEMPERATURE).

    python bench/calibrate.py [--top 10]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import ACTING_INTENTS, read_items  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.understanding import decide as decide_module  # noqa: E402
from bot.understanding.decide import Decision, Target  # noqa: E402
from bot.understanding.normalise import clean  # noqa: E402
from bot.understanding.training import cross_validate  # noqa: E402
from bot.understanding.understand import Understanding  # noqa: E402

DEFAULT_ORG = "region-midtjylland"
GRID = {
    "ANSWER_AT": [0.25, 0.3, 0.35, 0.4, 0.45, 0.5],
    "ANSWER_MARGIN": [0.0, 0.05, 0.1, 0.15],
    "CRISIS_AT": [0.2, 0.25, 0.3, 0.35, 0.45],
    "SUGGEST_AT": [0.1, 0.15, 0.2],
}


def outcome(expect, decision: Decision) -> tuple[bool, bool]:
    """(correct, confidently wrong) as `kombot eval` counts them."""
    if isinstance(expect, list):
        results = [outcome(e, decision) for e in expect]
        return any(ok for ok, _ in results), all(wrong for _, wrong in results)
    acted = decision.kind == "answer" or (
        decision.kind == "intent" and decision.target.id in ACTING_INTENTS
    )
    if expect is None:
        ok = decision.kind in ("fallback", "suggestions") or not acted
        return ok, not ok
    kind, _, name = str(expect).partition(":")
    if kind == "intent":
        ok = decision.kind == "intent" and decision.target.id == name
    else:
        ok = decision.kind == "answer" and decision.target.id == expect
    return ok, acted and not ok


def objective(in_scope, abstain, wrong, crisis, cv_ok) -> float:
    """In-scope accuracy first, with a steep price for each point past the bars."""
    shortfall = max(0.0, wrong - 0.02) * 3 + max(0.0, 0.95 - abstain) * 2
    return in_scope + 0.5 * cv_ok - shortfall - max(0.0, 0.95 - crisis) * 2


def softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    scaled = logits / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    knowledge = load_knowledge(ROOT / "knowledge", ROOT / "intents")
    items = [i for p in sorted((ROOT / "tests/eval/tune").glob("*.yaml")) for i in read_items(p)]
    orgs = sorted({i.get("org") or DEFAULT_ORG for i in items})

    cv_rows, temperatures = [], []
    for org in orgs:
        cv = cross_validate(knowledge, org)
        temperatures.append(cv.temperature)
        cv_rows.append((cv, [Target.of(c) for c in cv.classes]))
        print(
            f"{org}: CV top-1 {np.mean(np.equal(cv.labels, cv.predicted)):.3f}, "
            f"temperature {cv.temperature:.3f}",
            flush=True,
        )
    temperature = float(np.median(temperatures))

    understanding = Understanding(knowledge)
    for org in orgs:
        understanding.model(org)[0].temperature = temperature
    tune = []
    for item in items:
        text = clean(str(item["q"]))
        org = item.get("org") or DEFAULT_ORG
        pattern = understanding.pattern_intent(text)
        tune.append((item["expect"], pattern, *understanding.probabilities(text, org)))
    cv_items = [
        (None if label == "intent:out_of_scope" else label.removeprefix("entry:"), targets, probs)
        for cv, targets in cv_rows
        for label, probs in zip(cv.labels, softmax(cv.logits, temperature), strict=True)
    ]

    rows = []
    for values in itertools.product(*GRID.values()):
        for name, value in zip(GRID, values, strict=True):
            setattr(decide_module, name, value)
        marks, crisis = [], []
        for expect, pattern, targets, probs in tune:
            decision = (
                Decision("intent", Target("intent", pattern), 1.0)
                if pattern
                else decide_module.decide(targets, probs)
            )
            marks.append((expect is not None, *outcome(expect, decision)))
            if expect == "intent:crisis":
                crisis.append(marks[-1][1])
        in_scope = np.mean([ok for scoped, ok, _ in marks if scoped])
        abstain = np.mean([ok for scoped, ok, _ in marks if not scoped])
        wrong = np.mean([w for _, _, w in marks])
        cv_ok = np.mean([outcome(e, decide_module.decide(t, p))[0] for e, t, p in cv_items[::5]])
        rows.append((in_scope, abstain, wrong, np.mean(crisis), cv_ok, values))
    rows.sort(key=lambda r: -objective(*r[:5]))
    print(f"temperature {temperature:.3f}; best of {len(rows)} settings first")
    print("in-scope abstain wrong crisis cv  " + " ".join(GRID))
    for in_scope, abstain, wrong, crisis_recall, cv_ok, values in rows[: args.top]:
        print(
            f"{in_scope:.3f}    {abstain:.3f}   {wrong:.3f} {crisis_recall:.3f}  {cv_ok:.3f} "
            + " ".join(str(v) for v in values)
        )


if __name__ == "__main__":
    main()
