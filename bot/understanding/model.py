"""The served understanding model: TF-IDF features into a linear classifier, in numpy.

Training (`training.py`) uses scikit-learn; serving needs only these arrays, so a command
that answers one question never imports scikit-learn (about a second of start-up). The
arithmetic is scikit-learn's own: sublinear tf, its idf, l2 normalisation, then
`coef · x + intercept` and a softmax, with one temperature fitted by cross-validation so
the probabilities mean what they say. A model is only ever made from its arrays, the
cache's or training's alike, so the first process serves what every later one loads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bot.understanding.cache import Arrays
from bot.understanding.feature_index import ABSENT, FeatureIndex
from bot.understanding.features import features

Featurise = Callable[[str], list[str]]


@dataclass
class IntentModel:
    classes: list[str]  # "entry:ID" or "intent:ID"
    columns: FeatureIndex
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (features, classes): one row read per feature present
    intercept: np.ndarray  # (classes,)
    temperature: float = 1.0
    featurise: Featurise = field(default=features, repr=False)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The columns present in `text` and their normalised tf-idf weights."""
        counts = Counter(self.featurise(text))
        rows = self.columns.rows(counts)
        present = rows != ABSENT
        if not present.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        columns = rows[present].astype(np.int64)
        n = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))[present]
        weights = (1.0 + np.log(n)) * self.idf[columns]
        return columns, weights / np.linalg.norm(weights)

    def probabilities(self, text: str) -> np.ndarray:
        columns, weights = self.vector(text)
        logits = weights @ self.coef[columns] + self.intercept
        logits = (logits - logits.max()) / self.temperature
        exp = np.exp(logits)
        return exp / exp.sum()

    @classmethod
    def from_arrays(cls, arrays: Arrays, featurise: Featurise) -> IntentModel:
        return cls(
            classes=arrays["classes"].tolist(),
            columns=FeatureIndex(arrays["vocabulary"].tolist()),
            idf=arrays["idf"],
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            temperature=float(arrays["temperature"]),
            featurise=featurise,
        )
