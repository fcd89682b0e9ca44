"""Which of da, sv, nb, en a message is written in.

A small naive-Bayes model over words and character trigrams, trained on the knowledge
itself (every example, title and answer is labelled with its language) once per knowledge
version, then cached with the models. It is tuned for the short, typo-ridden chat
questions this bot gets, where general detectors struggle most (Danish and bokmål share
most short words). Ties go to the organisation's language: "hvem er min kontaktperson"
is Danish in a Danish region and Norwegian in Helsedirektoratet.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from bot.languages import LANGS, Lang
from bot.understanding.cache import Arrays
from bot.understanding.feature_index import ABSENT, FeatureIndex
from bot.understanding.normalise import words

ORG_PRIOR = math.log(8.0)  # how much evidence it takes to leave the org's language
DAMPING = 0.5  # trigrams of one word are not independent: temper their evidence
MIN_KNOWN_SHARE = 0.25  # below this share of known words a longer text is "not ours"
MIN_FOREIGN_SHARE = 0.3  # from this share of other languages' common words, likewise
MIN_WORDS_FOR_FOREIGN = 3  # shorter messages are never called "another language"
SHARED_WORD = math.log(4)  # a lone word used within 4x as often is shared: ties to the org
LONE_WORD_EVIDENCE = math.log(16)  # a lone word seen fewer times in every language: likewise
# Chat words every language uses alone; however often the knowledge's English text has
# them, "start" typed in a Danish region is Danish.
INTERNATIONAL = frozenset({"test", "start", "stop", "ok", "okay", "status", "info", "menu"})
ASK_LANGID_BELOW = 0.7  # with fewer known words than this, py3langid gives its opinion


@dataclass(frozen=True)
class Detected:
    lang: Lang
    known_share: float  # share of words seen in any language's training text
    foreign_share: float  # share of words that are frequent in languages we do not speak

    def is_foreign(self, text: str, second_opinion: Callable[[str], bool]) -> bool:
        """Too little of it is ours to answer: tell the user which languages we speak.
        `second_opinion` (py3langid's) is asked when many of its words are unknown."""
        if len(text.split()) < MIN_WORDS_FOR_FOREIGN:
            return False
        if self.known_share < MIN_KNOWN_SHARE or self.foreign_share >= MIN_FOREIGN_SHARE:
            return True
        return self.known_share < ASK_LANGID_BELOW and second_opinion(text)


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
    """Log-probabilities of each feature per language, in one matrix (rows: features)."""

    def __init__(self, features: Sequence[str], logp: np.ndarray, unseen: np.ndarray, foreign):
        self._rows = FeatureIndex(features)
        self._logp = logp  # (features, languages)
        self._unseen = unseen  # (languages,): a feature never seen in that language
        self._foreign = frozenset(foreign)

    @staticmethod
    def train(samples: Iterable[tuple[Lang, str]]) -> Arrays:
        """The arrays of a detector (`from_arrays` serves them)."""
        counts: dict[Lang, Counter] = {lang: Counter() for lang in LANGS}
        for lang, text in samples:
            counts[lang].update(_features(text))
        vocabulary = sorted(set().union(*counts.values()))
        smoothing = len(vocabulary) + 1
        totals = np.array([sum(counts[lang].values()) for lang in LANGS], dtype=np.float64)
        seen = np.array([[counts[lang][f] for lang in LANGS] for f in vocabulary])
        known = {f for f in vocabulary if f.startswith("w:")}
        return {
            "features": np.array(vocabulary),
            "logp": np.log((seen + 1) / (totals + smoothing)),
            "unseen": np.log(1 / (totals + smoothing)),
            "foreign": np.array(sorted({"w:" + w for w in _foreign_words()} - known)),
        }

    @classmethod
    def from_arrays(cls, arrays: Arrays) -> LanguageDetector:
        features = arrays["features"].tolist()
        return cls(features, arrays["logp"], arrays["unseen"], arrays["foreign"].tolist())

    def _shares(self, lang: Lang, feature: str) -> bool:
        """`lang` may use this word as well as any language: a word of several languages
        ("ja", "nej"), or one too rare in the knowledge to say whose it is, but not
        another language's own word ("help")."""
        [row] = self._rows.rows([feature])
        if row == ABSENT:
            return False
        counts = self._logp[row] - self._unseen  # log(count + 1) per language
        if counts.max() < LONE_WORD_EVIDENCE:
            return True
        return bool(counts[LANGS.index(lang)] >= max(counts.max() - SHARED_WORD, 0.1))

    def detect(self, text: str, prefer: Lang) -> Detected:
        feats = _features(text)
        word_feats = [f for f in feats if f.startswith("w:")]
        known = int(np.count_nonzero(self._rows.rows(word_feats) != ABSENT))
        foreign = sum(1 for f in word_feats if f in self._foreign)
        share = known / len(word_feats) if word_feats else 0.0
        foreign_share = foreign / len(word_feats) if word_feats else 0.0
        lone = word_feats[0] if len(word_feats) == 1 else None
        if lone is not None and (lone[2:] in INTERNATIONAL or self._shares(prefer, lone)):
            return Detected(prefer, share, foreign_share)  # "ja" is Danish in a Danish region
        weight = np.zeros(len(LANGS))
        rows = self._rows.rows(feats)
        is_word = np.array([f[0] == "w" for f in feats], dtype=bool)
        for rows_of_kind, factor in ((rows[is_word], 3.0), (rows[~is_word], 1.0)):
            found = rows_of_kind[rows_of_kind != ABSENT]
            missing = len(rows_of_kind) - len(found)
            weight += factor * (self._logp[found].sum(axis=0) + missing * self._unseen)
        scores = weight / max(len(feats), 1) ** DAMPING
        scores[LANGS.index(prefer)] += ORG_PRIOR
        return Detected(LANGS[int(np.argmax(scores))], share, foreign_share)
