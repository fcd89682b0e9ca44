"""From scores to a decision: answer, did-you-mean, or fallback.

The thresholds are calibrated on tests/eval (see `kombot eval`); a did-you-mean offers
at most three candidates, and only those close to the best one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from bot.understanding.index import Target

ANSWER_AT = 0.52  # the best candidate is answered from here...
ANSWER_MARGIN = 0.01  # ...when it leads the runner-up by this much
SUGGEST_AT = 0.38  # below this nothing fits: fallback
CLOSE = 0.12  # suggestions within this distance of the best
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Decision:
    kind: Literal["answer", "intent", "suggestions", "fallback"]
    target: Target | None
    confidence: float
    suggestions: list[str] = field(default_factory=list)


def decide(targets: list[Target], scores: np.ndarray) -> Decision:
    if not len(scores):
        return Decision("fallback", None, 0.0)
    order = np.argsort(-scores)
    best = targets[order[0]]
    s1 = float(scores[order[0]])
    s2 = float(scores[order[1]]) if len(order) > 1 else 0.0
    if s1 >= ANSWER_AT and s1 - s2 >= ANSWER_MARGIN:
        return Decision("intent" if best.kind == "intent" else "answer", best, s1)
    if s1 < SUGGEST_AT:
        return Decision("fallback", None, s1)
    close = [
        targets[i].id
        for i in order[: MAX_SUGGESTIONS * 3]
        if targets[i].kind == "entry" and scores[i] >= max(SUGGEST_AT, s1 - CLOSE)
    ][:MAX_SUGGESTIONS]
    if not close:
        return Decision("fallback", None, s1)
    return Decision("suggestions", None, s1, close)
