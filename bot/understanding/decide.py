"""From the model's probabilities to a decision: answer, did-you-mean, or fallback.

The thresholds are fitted by `bench/calibrate.py` on cross-validated predictions over
the knowledge's examples plus `tests/eval/tune/`, never on the frozen `tests/eval/test/`.
Crisis is recall-first: a missed crisis costs more than any other error, so it is taken
from a lower probability than an answer, and whatever else leads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

ANSWER_AT = 0.40  # the best class is acted on from here...
ANSWER_MARGIN = 0.15  # ...when it leads the runner-up by this much
CRISIS_AT = 0.25  # an acute media situation is acted on from here
# Below CRISIS_AT, a reply offers to raise a crisis from here (a button, the person
# decides): on the stop-21 tune sets, 8 of 10 fallen-back crises against 10 of 333 other
# fallbacks (offered from 0.25 and out of scope only: 5 against 4)
OFFER_CRISIS_AT = 0.10
SUGGEST_AT = 0.15  # below this nothing fits: fallback
SUGGESTION_FLOOR = 0.08  # a candidate shown in a did-you-mean has at least this
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Target:
    kind: Literal["entry", "intent"]
    id: str

    @classmethod
    def of(cls, label: str) -> Target:
        kind, _, name = label.partition(":")
        return cls("intent" if kind == "intent" else "entry", name)


OUT_OF_SCOPE = Target("intent", "out_of_scope")
CRISIS = Target("intent", "crisis")


@dataclass(frozen=True)
class Decision:
    kind: Literal["answer", "intent", "suggestions", "fallback"]
    target: Target | None  # for a fallback: OUT_OF_SCOPE when the model recognised one
    confidence: float
    suggestions: list[str] = field(default_factory=list)
    maybe_crisis: bool = False  # it may be a crisis too: offer to raise one


def without(targets: list[Target], probabilities: np.ndarray, target: Target) -> np.ndarray:
    """The probabilities with `target` ruled out, the rest scaled to sum to one."""
    if target not in targets:
        return probabilities
    kept = probabilities.copy()
    kept[targets.index(target)] = 0.0
    return kept / kept.sum()


def decide(
    targets: list[Target], probabilities: np.ndarray, act_on_crisis: bool = True
) -> Decision:
    """`act_on_crisis` False: the crisis class is ruled out of the decision, though its
    share still offers to raise one (a one-word message)."""
    offer = crisis_share(targets, probabilities) >= OFFER_CRISIS_AT
    if not act_on_crisis:
        probabilities = without(targets, probabilities, CRISIS)
    decision = _decide(targets, probabilities)
    if decision.target == CRISIS:
        return decision
    return replace(decision, maybe_crisis=offer)


def crisis_share(targets: list[Target], probabilities: np.ndarray) -> float:
    return float(probabilities[targets.index(CRISIS)]) if CRISIS in targets else 0.0


def _decide(targets: list[Target], probabilities: np.ndarray) -> Decision:
    order = np.argsort(-probabilities)
    best = targets[order[0]]
    p1 = float(probabilities[order[0]])
    p2 = float(probabilities[order[1]]) if len(order) > 1 else 0.0
    p_crisis = crisis_share(targets, probabilities)
    if p_crisis >= CRISIS_AT and best != OUT_OF_SCOPE:
        return Decision("intent", CRISIS, p_crisis)
    sure = p1 >= ANSWER_AT and p1 - p2 >= ANSWER_MARGIN
    if best == OUT_OF_SCOPE:  # not ours, unless it is happening now: the person can say so
        # Only a sure one is called "not what I help with": words the knowledge lacks
        # ("undertekster", "visitkort") also lead to it, and then "I can't answer that
        # with confidence, shall I pass it on?" is the honest reply.
        return Decision("fallback", OUT_OF_SCOPE if sure else None, p1)
    if sure:
        return Decision("intent" if best.kind == "intent" else "answer", best, p1)
    close = [
        targets[i].id
        for i in order[: MAX_SUGGESTIONS * 2]
        if targets[i].kind == "entry" and probabilities[i] >= SUGGESTION_FLOOR
    ][:MAX_SUGGESTIONS]
    if p1 < SUGGEST_AT or not close:
        return Decision("fallback", None, p1)
    return Decision("suggestions", None, p1, close)
