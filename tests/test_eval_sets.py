"""The bars of the understanding issue, on the frozen test split (tests/eval/test/).

The test split was written by writers who saw only ../shared/knowledge-topics.md and the
eval README; no feature, threshold or example was chosen by looking at it. The tune split
(tests/eval/tune/) is the newest writer's set, used to judge changes before they are kept;
the earlier tune sets now train the model (knowledge/examples/). Its bar is a tripwire
set below what it read when kept (stop 27, blind_17, new users' stories: in-scope 0.784,
abstention 1.0, crisis 11 of 11): a fresh writer's questions are still answered less well
than the frozen split's (see README).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import read_items, run, summary

EVAL_DIR = Path(__file__).parent / "eval"
STYLES = {
    "short", "backstory", "situation", "greeting", "code_switch", "typo", "law", "pasted",
    "near_miss",
}  # fmt: skip


def _results(engine, split: str):
    items = [
        item for path in sorted((EVAL_DIR / split).glob("*.yaml")) for item in read_items(path)
    ]
    return run(engine, items, "region-midtjylland")


@pytest.fixture(scope="module")
def test_figures(engine):
    return summary(_results(engine, "test"))


def test_frozen_split_is_large_and_covers_every_style_and_language(test_figures):
    assert test_figures["total"] >= 400
    assert set(test_figures["by_style"]) >= STYLES
    assert all(test_figures["by_style"][style]["n"] >= 20 for style in STYLES)
    assert all(test_figures["by_language"][lang] > 0 for lang in ("da", "sv", "nb", "en"))


def test_in_scope_top1_on_frozen_split(test_figures):
    assert test_figures["in_scope_top1"] >= 0.90


def test_abstains_on_out_of_scope_in_frozen_split(test_figures):
    assert test_figures["out_of_scope_correct"] >= 0.90


def test_rarely_confidently_wrong_on_frozen_split(test_figures):
    assert test_figures["confidently_wrong"] <= 0.03


def test_crisis_recall_on_frozen_split(test_figures):
    assert test_figures["crisis_recall"] >= 0.95


def test_answers_in_the_language_asked_on_frozen_split(test_figures):
    assert test_figures["language"] >= 0.98


def test_tune_split_stays_above_its_bar(engine):
    figures = summary(_results(engine, "tune"))
    assert figures["in_scope_top1"] >= 0.76
    assert figures["out_of_scope_correct"] >= 0.95
    assert figures["crisis_recall"] >= 0.90
