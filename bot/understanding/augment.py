"""Examples told the way people tell them: with a story, a greeting or thanks around.

The knowledge's examples are bare questions, while the out-of-scope examples are often
longer; left alone, the model learns that a long message about one's ward is out of
scope. So a fixed share of every class's examples is trained again with neutral
context around it (`data/story_context.yaml`), which teaches the model that the
context is evidence for nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

import yaml

from bot.languages import Lang

SHARE = 0.35  # of the examples, trained once more with context
SEED = 0  # the same knowledge always gives the same training set


@cache
def _context() -> dict:
    text = resources.files("bot.understanding").joinpath("data/story_context.yaml")
    return yaml.safe_load(text.read_text("utf-8"))


def with_context(examples: Iterable[tuple[str, str, Lang]]) -> Iterator[tuple[str, str]]:
    """Every (text, label) once, and a share of them again inside a story."""
    context = _context()
    pick = random.Random(SEED)
    for text, label, lang in examples:
        yield text, label
        if pick.random() >= SHARE:
            continue
        before = " ".join(pick.sample(context["before"][lang], pick.randint(1, 2)))
        after = pick.choice(context["after"][lang]) if pick.random() < 0.3 else ""
        yield f"{before} {text} {after}".strip(), label
