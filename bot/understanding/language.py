"""Which of da, sv, nb, en a message is written in.

A small naive-Bayes model over words and character trigrams, trained at start-up on the
knowledge itself (every example, title and answer is labelled with its language). It is
tuned for the short, typo-ridden chat questions this bot gets, where general detectors
struggle most (Danish and bokmål share most short words). Ties go to the organisation's
language: "hvem er min kontaktperson" is Danish in a Danish region and Norwegian in
Helsedirektoratet.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from bot.languages import LANGS, Lang
from bot.understanding.normalise import words

ORG_PRIOR = math.log(8.0)  # how much evidence it takes to leave the org's language
DAMPING = 0.5  # trigrams of one word are not independent: temper their evidence
MIN_KNOWN_SHARE = 0.25  # below this share of known words a longer text is "not ours"
MIN_FOREIGN_SHARE = 0.3  # from this share of other languages' common words, likewise
MIN_WORDS_FOR_FOREIGN = 3  # shorter messages are never called "another language"


@dataclass(frozen=True)
class Detected:
    lang: Lang
    known_share: float  # share of words seen in any language's training text
    foreign_share: float  # share of words that are frequent in languages we do not speak

    def is_foreign(self, word_count: int) -> bool:
        """Too little of it is ours to answer: tell the user which languages we speak."""
        return word_count >= MIN_WORDS_FOR_FOREIGN and (
            self.known_share < MIN_KNOWN_SHARE or self.foreign_share >= MIN_FOREIGN_SHARE
        )


def _foreign_words() -> set[str]:
    text = resources.files("bot.understanding").joinpath("data/foreign_words.txt")
    return {
        word
        for line in text.read_text("utf-8").splitlines()
        if not line.startswith("#")
        for word in words(line)
    }


def _features(text: str) -> list[str]:
    feats: list[str] = []
    for word in words(text):
        if word.isdigit():
            continue
        feats.append("w:" + word)
        padded = f" {word} "
        feats.extend("c:" + padded[i : i + 3] for i in range(len(padded) - 2))
    return feats


class LanguageDetector:
    def __init__(self, samples: Iterable[tuple[Lang, str]]):
        counts: dict[Lang, Counter] = {lang: Counter() for lang in LANGS}
        for lang, text in samples:
            counts[lang].update(_features(text))
        vocabulary = set().union(*counts.values())
        self._vocab_size = len(vocabulary) + 1
        self._known_words = {f for f in vocabulary if f.startswith("w:")}
        self._foreign = {"w:" + w for w in _foreign_words()} - self._known_words
        self._totals = {lang: sum(c.values()) for lang, c in counts.items()}
        self._logp = {
            lang: {
                f: math.log((n + 1) / (self._totals[lang] + self._vocab_size)) for f, n in c.items()
            }
            for lang, c in counts.items()
        }
        self._unseen = {
            lang: math.log(1 / (self._totals[lang] + self._vocab_size)) for lang in LANGS
        }

    def detect(self, text: str, prefer: Lang) -> Detected:
        feats = _features(text)
        word_feats = [f for f in feats if f.startswith("w:")]
        known = sum(1 for f in word_feats if f in self._known_words)
        share = known / len(word_feats) if word_feats else 0.0
        foreign = sum(1 for f in word_feats if f in self._foreign)
        foreign_share = foreign / len(word_feats) if word_feats else 0.0
        scores = {}
        damp = max(len(feats), 1) ** DAMPING
        for lang in LANGS:
            table, unseen = self._logp[lang], self._unseen[lang]
            weight = sum(table.get(f, unseen) * (3.0 if f[0] == "w" else 1.0) for f in feats)
            scores[lang] = weight / damp + (ORG_PRIOR if lang == prefer else 0.0)
        return Detected(max(scores, key=scores.__getitem__), share, foreign_share)
