"""The development set (tests/eval/*.yaml) must stay above the bars set in the issue."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import read_items, run, summary

EVAL_DIR = Path(__file__).parent / "eval"


@pytest.fixture(scope="module")
def results(engine):
    items = [item for path in sorted(EVAL_DIR.glob("*.yaml")) for item in read_items(path)]
    return run(engine, items, "region-midtjylland")


def test_development_set_is_large_and_covers_all_languages(results):
    assert len(results) >= 400
    assert {r.lang for r in results} >= {"da", "sv", "nb", "en"}
    out_of_scope = [r for r in results if r.expect is None]
    assert len(out_of_scope) / len(results) >= 0.08


def test_top1_accuracy(results):
    assert summary(results)["top1"] >= 0.90


def test_abstains_on_out_of_scope_questions(results):
    assert summary(results)["out_of_scope_correct"] >= 0.90


def test_answers_in_the_language_asked(results):
    assert summary(results)["language"] >= 0.95
