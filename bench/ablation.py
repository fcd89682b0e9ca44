"""Ablation: what each part of the understanding recipe earns, on the tune split only.

Trains every org's model once per recipe (no cache) and runs tests/eval/tune/ through the
engine. The frozen tests/eval/test/ is never read here: choices are made on tune/.

    python bench/ablation.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_engine  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluation import read_items, run, summary  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.understanding import features, training, understand  # noqa: E402

RECIPES = {
    "served": [],
    "no synonyms": [mock.patch.object(training, "SYNONYMS", False)],
    "word features only (no character n-grams)": [
        mock.patch.object(features, "CHAR_NGRAMS", (99, 99))
    ],
}
KEEP = ("in_scope_top1", "out_of_scope_correct", "confidently_wrong", "crisis_recall")


def main() -> None:
    knowledge = load_knowledge(ROOT / "knowledge", ROOT / "intents")
    items = [i for p in sorted((ROOT / "tests/eval/tune").glob("*.yaml")) for i in read_items(p)]
    results = {}
    for name, patches in RECIPES.items():
        for patch in patches:
            patch.start()
        try:
            engine = build_engine(knowledge, Settings(), database_url="sqlite://")
            engine.understanding = understand.Understanding(knowledge)  # trained afresh
            figures = summary(run(engine, items, "region-midtjylland"))
        finally:
            mock.patch.stopall()
        results[name] = {k: figures[k] for k in KEEP} | {"by_style": figures.get("by_style")}
        print(name, json.dumps({k: figures[k] for k in KEEP}), flush=True)
    out = ROOT / "bench" / "results" / "ablation.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
