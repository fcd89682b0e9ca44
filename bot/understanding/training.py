"""Training the understanding model of one organisation from its knowledge.

Every example question and title of the org's entries, and every intent example (with
the out-of-scope class), is a labelled text. scikit-learn is imported here only: serving
reads the fitted arrays (`model.py`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bot.knowledge.loader import Knowledge, OrgKnowledge
from bot.understanding.analyse import Analyser
from bot.understanding.cache import Arrays
from bot.understanding.features import CHAR_NGRAMS, features
from bot.understanding.model import Featurise

MIN_DF = 3  # rarer n-grams are noise at this size; 3 against 2 trains a third faster, tune equal
C = 10.0  # inverse regularisation of the logistic regression
TOLERANCE = 1e-3
FOLDS = 3
SYNONYMS = True  # read knowledge/synonyms.yaml into the features (an ablation keeps it)
TEMPERATURE = 0.523  # softmax temperature; `bench/calibrate.py` fits it by cross-validation
# Half the memory of float32 in every process that answers (6 MB per org); the logits move
# by little: no decision changed on tune, the examples or the frozen split (confidence ±0.001).
COEF_DTYPE = np.float16
# Everything that changes a fitted model besides the knowledge: part of its cache key.
RECIPE = f"char{CHAR_NGRAMS}-df{MIN_DF}-C{C}-tol{TOLERANCE}-T{TEMPERATURE}-syn{SYNONYMS}"


def labelled_examples(knowledge: Knowledge, org: OrgKnowledge) -> Iterator[tuple[str, str]]:
    """The entries' and intents' own examples, then the questions of examples/ whose
    answer this org has."""
    for entry in org.entries.values():
        for questions in entry.examples.values():
            for question in questions:
                yield question, f"entry:{entry.id}"
        for title in entry.title.values():
            yield title, f"entry:{entry.id}"
    for intent in knowledge.intents.values():
        for utterances in intent.examples.values():
            for utterance in utterances:
                yield utterance, f"intent:{intent.id}"
    classes = {f"entry:{e}" for e in org.entries} | {f"intent:{i}" for i in knowledge.intents}
    for text, label in knowledge.examples:
        if label in classes:
            yield text, label


def featuriser(knowledge: Knowledge) -> Featurise:
    """The features of this knowledge: its synonyms are read as their canonical words."""
    if not SYNONYMS:
        return features
    return functools.partial(features, canonical=Analyser(knowledge.synonyms).canonical)


def _fit(texts: list[str], labels: list[str], featurise: Featurise):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = TfidfVectorizer(
        analyzer=featurise, sublinear_tf=True, min_df=MIN_DF, dtype=np.float32
    )
    matrix = vectoriser.fit_transform(texts)
    classifier = LogisticRegression(C=C, max_iter=1000, tol=TOLERANCE)
    classifier.fit(matrix, labels)
    return vectoriser, classifier


def _arrays(vectoriser, classifier, temperature: float) -> Arrays:
    """What a model is made of, as the cache stores it and `IntentModel` serves it."""
    return {
        "classes": np.array([str(c) for c in classifier.classes_]),
        "vocabulary": vectoriser.get_feature_names_out().astype(str),  # in column order
        "idf": vectoriser.idf_.astype(np.float32),
        "coef": np.ascontiguousarray(classifier.coef_.T, dtype=COEF_DTYPE),
        "intercept": classifier.intercept_.astype(np.float32),
        "temperature": np.array(temperature),
    }


def train(knowledge: Knowledge, org_id: str) -> Arrays:
    texts, labels = _dataset(knowledge, org_id)
    return fit_arrays(texts, labels, featurise=featuriser(knowledge))


def fit_arrays(
    texts: list[str],
    labels: list[str],
    temperature: float = TEMPERATURE,
    featurise: Featurise = features,
) -> Arrays:
    return _arrays(*_fit(texts, labels, featurise), temperature)


@dataclass
class CrossValidation:
    labels: list[str]  # true label per example
    predicted: list[str]  # best class per example, from a model that never saw it
    logits: np.ndarray  # (examples, classes)
    classes: list[str]
    temperature: float

    def per_class_accuracy(self) -> dict[str, float]:
        hits: dict[str, list[bool]] = {}
        for truth, guess in zip(self.labels, self.predicted, strict=True):
            hits.setdefault(truth, []).append(truth == guess)
        return {label: sum(h) / len(h) for label, h in hits.items()}

    def confusions(self, most: int = 10) -> list[tuple[str, str, int]]:
        """The (true, predicted) pairs most often confused, for editors to improve."""
        pairs: dict[tuple[str, str], int] = {}
        for truth, guess in zip(self.labels, self.predicted, strict=True):
            if truth != guess:
                pairs[(truth, guess)] = pairs.get((truth, guess), 0) + 1
        ranked = sorted(pairs.items(), key=lambda kv: -kv[1])[:most]
        return [(truth, guess, n) for (truth, guess), n in ranked]


def cross_validate(knowledge: Knowledge, org_id: str, folds: int = FOLDS) -> CrossValidation:
    """Stratified k-fold over the org's examples: every example judged by a model that
    never saw it. The temperature that best explains those judgements is kept."""
    from sklearn.model_selection import StratifiedKFold

    texts, labels = _dataset(knowledge, org_id)
    featurise = featuriser(knowledge)
    classes = sorted(set(labels))
    position = {c: i for i, c in enumerate(classes)}
    logits = np.zeros((len(texts), len(classes)), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_rows, test_rows in splitter.split(texts, labels):
        vectoriser, classifier = _fit(
            [texts[i] for i in train_rows], [labels[i] for i in train_rows], featurise
        )
        scores = classifier.decision_function(vectoriser.transform([texts[i] for i in test_rows]))
        columns = [position[str(c)] for c in classifier.classes_]
        logits[np.ix_(test_rows, columns)] = scores
    truth = np.array([position[label] for label in labels])
    temperature = _fit_temperature(logits, truth)
    predicted = [classes[i] for i in logits.argmax(axis=1)]
    return CrossValidation(labels, predicted, logits, classes, temperature)


def _fit_temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature with the least negative log-likelihood (a grid suffices)."""
    best, best_loss = 1.0, math.inf
    for temperature in np.geomspace(0.25, 4.0, 33):
        scaled = logits / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        loss = float(np.mean(log_norm - scaled[np.arange(len(truth)), truth]))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def _dataset(knowledge: Knowledge, org_id: str) -> tuple[list[str], list[str]]:
    pairs = list(labelled_examples(knowledge, knowledge.org(org_id)))
    return [text for text, _ in pairs], [label for _, label in pairs]
