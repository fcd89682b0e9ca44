"""The matcher kombot used before the trained model, kept as the benchmark's baseline.

The precomputed matching index of one organisation: every example question of every
entry and intent, analysed once at start-up.

A question is scored against all examples at once: an IDF-weighted term overlap through
an inverted index (typos reach the vocabulary through rapidfuzz), blended with
rapidfuzz's character similarity over the precomputed example strings (`process.cdist`).
No Python loop runs per example.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from bot.languages import Lang
from bot.understanding.analyse import Analyser

QUERY_SHARE = 0.5  # how much the score asks that the question's words are covered
TERM_WEIGHT = 0.75  # term overlap vs character similarity
SECOND_WEIGHT = 0.1  # bonus from the second-best example of the same target
TOP_EXAMPLES = 64
MIN_COMPOUND_PART = 4


@dataclass(frozen=True)
class Target:
    kind: Literal["entry", "intent"]
    id: str


@dataclass(frozen=True)
class Example:
    target: Target
    lang: Lang
    text: str


class MatchIndex:
    def __init__(self, examples: list[Example], analyser: Analyser):
        self.analyser = analyser
        self.targets: list[Target] = sorted(
            {e.target for e in examples}, key=lambda t: (t.kind, t.id)
        )
        position = {t: i for i, t in enumerate(self.targets)}
        memo: dict[tuple[str, Lang], tuple[str, ...]] = {}
        term_sets: list[frozenset[str]] = []
        for example in examples:
            key = (example.text, example.lang)
            if key not in memo:
                memo[key] = analyser.terms(example.text, example.lang)
            term_sets.append(frozenset(memo[key]))
        keep = [i for i, terms in enumerate(term_sets) if terms]
        self.example_target = np.array([position[examples[i].target] for i in keep], dtype=np.int32)
        term_sets = [term_sets[i] for i in keep]
        self.example_strings = [" ".join(sorted(terms)) for terms in term_sets]

        self.vocab: list[str] = sorted(set().union(*term_sets)) if term_sets else []
        self.vocab_pos = {term: i for i, term in enumerate(self.vocab)}
        postings: list[list[int]] = [[] for _ in self.vocab]
        targets_with: list[set[int]] = [set() for _ in self.vocab]
        for ex, terms in enumerate(term_sets):
            for term in terms:
                t = self.vocab_pos[term]
                postings[t].append(ex)
                targets_with[t].add(int(self.example_target[ex]))
        self.postings = [np.array(p, dtype=np.int32) for p in postings]
        n_targets = len(self.targets)
        self.idf = np.array(
            [math.log(1.0 + n_targets / len(ts)) for ts in targets_with],
            dtype=np.float64,
        )
        self.unknown_idf = math.log(1.0 + n_targets)  # a word the knowledge never uses
        self.example_weight = np.array(
            [sum(self.idf[self.vocab_pos[t]] for t in terms) for terms in term_sets],
            dtype=np.float64,
        )

    def __len__(self) -> int:
        return len(self.example_strings)

    def score(self, text: str, lang: Lang) -> np.ndarray:
        """A score in 0..1 per target (same order as `self.targets`)."""
        scores = np.zeros(len(self.targets), dtype=np.float64)
        terms = list(dict.fromkeys(self.analyser.terms(text, lang)))
        if not terms or not self.example_strings:
            return scores
        matched: dict[int, float] = {}
        query_weight = 0.0
        for term in terms:
            hits = self._vocabulary_hits(term)
            if not hits:
                query_weight += self.unknown_idf
                continue
            query_weight += max(self.idf[t] for t, _ in hits)
            for t, sim in hits:
                matched[t] = max(sim, matched.get(t, 0.0))
        overlap = np.zeros(len(self.example_strings), dtype=np.float64)
        for t, sim in matched.items():
            overlap[self.postings[t]] += sim * self.idf[t]
        denominator = QUERY_SHARE * query_weight + (1 - QUERY_SHARE) * self.example_weight
        term_score = overlap / denominator
        chars = (
            process.cdist(
                [" ".join(sorted(terms))], self.example_strings, scorer=fuzz.ratio, dtype=np.uint8
            )[0]
            / 100.0
        )
        combined = TERM_WEIGHT * term_score + (1 - TERM_WEIGHT) * chars
        np.maximum.at(scores, self.example_target, combined)
        if SECOND_WEIGHT:
            self._add_second_best(scores, combined)
        return np.clip(scores, 0.0, 1.0)

    def _add_second_best(self, scores: np.ndarray, combined: np.ndarray) -> None:
        """A target that several examples support is surer than one lucky example."""
        k = min(TOP_EXAMPLES, len(combined))
        top = np.argpartition(-combined, k - 1)[:k]
        seen: dict[int, int] = {}
        for ex in top[np.argsort(-combined[top])]:
            target = int(self.example_target[ex])
            seen[target] = seen.get(target, 0) + 1
            if seen[target] == 2:
                scores[target] += SECOND_WEIGHT * combined[ex]

    def _vocabulary_hits(self, term: str) -> list[tuple[int, float]]:
        """Vocabulary terms this query term stands for, with a similarity 0..1."""
        exact = self.vocab_pos.get(term)
        if exact is not None:
            return [(exact, 1.0)]
        if len(term) < 4 or term.isdigit():
            return []
        cutoff = 80 if len(term) <= 6 else 84
        fuzzy = process.extract(term, self.vocab, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3)
        # a typo rarely hits the first letter; "park" is not "spark"
        fuzzy = [(index, score / 100.0) for word, score, index in fuzzy if word[0] == term[0]]
        if fuzzy:
            return fuzzy[:2]
        return self._compound_parts(term)

    def _compound_parts(self, term: str) -> list[tuple[int, float]]:
        """Danish, Swedish and Norwegian write compounds as one word ("patientpjece");
        its head (the last known part) carries most of the meaning."""
        for start in range(1, len(term) - MIN_COMPOUND_PART + 1):
            head = self.vocab_pos.get(term[start:])
            if head is not None:
                parts = [(head, 0.8)]
                modifier = self.vocab_pos.get(term[:start])
                if modifier is None and term[start - 1] in "se":  # linking -s-/-e-
                    modifier = self.vocab_pos.get(term[: start - 1])
                if modifier is not None:
                    parts.append((modifier, 0.6))
                return parts
        return []


# --- the decision and the glue the matcher had in the bot, as it was ------------------
ANSWER_AT, ANSWER_MARGIN, SUGGEST_AT, CLOSE, MAX_SUGGESTIONS, MATCH_CHARS = (
    0.52, 0.01, 0.38, 0.12, 3, 600
)  # fmt: skip


def legacy_decide(targets: list[Target], scores: np.ndarray) -> tuple[str, str | None]:
    """(kind, id) as the old `decide` gave them."""
    if not len(scores):
        return "fallback", None
    order = np.argsort(-scores)
    best, s1 = targets[order[0]], float(scores[order[0]])
    s2 = float(scores[order[1]]) if len(order) > 1 else 0.0
    if s1 >= ANSWER_AT and s1 - s2 >= ANSWER_MARGIN:
        return ("intent" if best.kind == "intent" else "answer"), best.id
    close = [
        i for i in order[: MAX_SUGGESTIONS * 3]
        if targets[i].kind == "entry" and scores[i] >= max(SUGGEST_AT, s1 - CLOSE)
    ]  # fmt: skip
    return ("suggestions" if s1 >= SUGGEST_AT and close else "fallback"), None


def legacy_index(knowledge, org_id: str, analyser: Analyser) -> MatchIndex:
    org = knowledge.org(org_id)
    examples = [
        Example(Target("entry", e.id), lang, q)
        for e in org.entries.values()
        for lang, questions in [*e.examples.items(), *((k, [v]) for k, v in e.title.items())]
        for q in questions
    ]
    examples += [
        Example(Target("intent", i.id), lang, q)
        for i in knowledge.intents.values()
        if i.id != "out_of_scope"  # the old matcher had no such class
        for lang, questions in i.examples.items()
        for q in questions
    ]
    return MatchIndex(examples, analyser)
