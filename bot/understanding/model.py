"""The served understanding model: TF-IDF features into a linear classifier, in numpy.

Training (`training.py`) uses scikit-learn; serving needs only these arrays, so a command
that answers one question never imports scikit-learn (about a second of start-up). The
arithmetic is scikit-learn's own: sublinear tf, its idf, l2 normalisation, then
`coef · x + intercept` and a softmax, with one temperature fitted by cross-validation so
the probabilities mean what they say.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bot.understanding.features import features

Featurise = Callable[[str], list[str]]


@dataclass
class IntentModel:
    classes: list[str]  # "entry:ID" or "intent:ID"
    vocabulary: dict[str, int]
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (features, classes): one row read per feature present
    intercept: np.ndarray  # (classes,)
    temperature: float = 1.0
    featurise: Featurise = field(default=features, repr=False)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The columns present in `text` and their normalised tf-idf weights."""
        counts = Counter(f for f in self.featurise(text) if f in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        columns = np.fromiter((self.vocabulary[f] for f in counts), dtype=np.int64)
        tf = np.fromiter((1.0 + math.log(n) for n in counts.values()), dtype=np.float32)
        weights = tf * self.idf[columns]
        return columns, weights / np.linalg.norm(weights)

    def probabilities(self, text: str) -> np.ndarray:
        columns, weights = self.vector(text)
        logits = weights @ self.coef[columns] + self.intercept
        logits = (logits - logits.max()) / self.temperature
        exp = np.exp(logits)
        return exp / exp.sum()

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "classes": np.array(self.classes),
            "vocabulary": np.array(sorted(self.vocabulary, key=self.vocabulary.__getitem__)),
            "idf": self.idf,
            "coef": self.coef,
            "intercept": self.intercept,
            "temperature": np.array(self.temperature),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], featurise: Featurise) -> IntentModel:
        return cls(
            classes=arrays["classes"].tolist(),
            vocabulary={word: i for i, word in enumerate(arrays["vocabulary"].tolist())},
            idf=arrays["idf"],
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            temperature=float(arrays["temperature"]),
            featurise=featurise,
        )
