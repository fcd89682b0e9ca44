"""Language, intent patterns and the trained model, built once per knowledge version."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
from collections.abc import Iterator

import numpy as np

from bot.knowledge.loader import Knowledge
from bot.languages import LANGS, Lang
from bot.tickets.routing import keyword_terms
from bot.understanding.analyse import Analyser, stopwords
from bot.understanding.cache import Arrays, ModelCache
from bot.understanding.decide import Decision, Target, decide
from bot.understanding.features import normalised_words
from bot.understanding.foreign import SecondOpinion
from bot.understanding.language import Detected, LanguageDetector
from bot.understanding.model import IntentModel
from bot.understanding.normalise import fold
from bot.understanding.training import RECIPE, featuriser, train

log = logging.getLogger("kombot.understanding")

PATTERN_HEAD = 200  # intent patterns look at the start of a message only
MODEL_CHARS = 4000  # the model reads at most this much of a message (a pasted draft)
LANGUAGE_CHARS = 600  # enough text to tell the language
# One word is no situation: the model's crisis prior made "menu" page the press officer
# (no crisis example and no tune item is shorter than four words).
CRISIS_MIN_WORDS = 2


class Understanding:
    def __init__(self, knowledge: Knowledge, cache: ModelCache | None = None):
        self.knowledge = knowledge
        self.cache = cache
        self.analyser = Analyser(knowledge.synonyms)
        self.second_opinion = SecondOpinion(cache)
        self._version = f"{knowledge.version}-{hashlib.sha256(RECIPE.encode()).hexdigest()[:8]}"
        self.detector = self._language_detector()
        self._patterns = [
            (intent.id, re.compile(p, re.IGNORECASE), re.compile(fold(p), re.IGNORECASE))
            for intent in knowledge.intents.values()
            for p in intent.patterns
        ]
        # asked twice of each message (the engine, then `understand`): the regexes run once
        self._head_intent = functools.lru_cache(maxsize=64)(self._match_patterns)
        self._models: dict[str, tuple[IntentModel, list[Target]]] = {}
        self._training = threading.Lock()
        self._keywords: dict[tuple[str, Lang], dict[str, frozenset[str]]] = {}

    def model(self, org_id: str) -> tuple[IntentModel, list[Target]]:
        """The org's model: from memory, else the disk cache, else trained (and cached)."""
        found = self._models.get(org_id)
        if found is not None:
            return found
        with self._training:
            if org_id not in self._models:
                model = self._load_or_train(org_id)
                self._models[org_id] = (model, [Target.of(c) for c in model.classes])
        return self._models[org_id]

    def _load_or_train(self, org_id: str) -> IntentModel:
        """Mapped from the cache, so the model's 6 MB of weights are pages shared by every
        worker rather than copied into each."""
        self.knowledge.org(org_id)  # an unknown org fails here, before any training

        def build() -> Arrays:
            log.info("building %s for knowledge %s", org_id, self._version)
            return train(self.knowledge, org_id)

        if self.cache is None:
            arrays = build()
        else:
            arrays = self.cache.mapped(org_id, self._version, build, verified=True)
        return IntentModel.from_arrays(arrays, featuriser(self.knowledge))

    def _language_detector(self) -> LanguageDetector:
        """From the disk cache when it holds a sound file for this knowledge, else trained
        (and cached). Small: read whole, not mapped."""
        arrays = self.cache.load("language", self._version) if self.cache else None
        if arrays is None:
            log.info("building the language detector for knowledge %s", self._version)
            arrays = LanguageDetector.train(_language_samples(self.knowledge))
            if self.cache is not None:
                self.cache.save("language", self._version, arrays)
        return LanguageDetector.from_arrays(arrays)

    def function_keywords(self, org_id: str, lang: Lang) -> dict[str, frozenset[str]]:
        """The directory's expert-function keywords, analysed once per org and language."""
        key = (org_id, lang)
        if key not in self._keywords:
            directory = self.knowledge.org(org_id).directory
            self._keywords[key] = keyword_terms(directory, self.analyser, lang)
        return self._keywords[key]

    def language(self, text: str, prefer: Lang) -> Detected:
        return self.detector.detect(text[:LANGUAGE_CHARS], prefer)

    def pattern_intent(self, text: str) -> str | None:
        return self._head_intent(text[:PATTERN_HEAD].casefold())

    def _match_patterns(self, head: str) -> str | None:
        folded = fold(head)
        for intent_id, plain, ascii_form in self._patterns:
            if plain.search(head) or ascii_form.search(folded):
                return intent_id
        return None

    def probabilities(self, text: str, org_id: str) -> tuple[list[Target], np.ndarray]:
        """The whole message is read: a story or greeting around the question included
        (reading its question sentence apart did worse on held-out-style questions)."""
        model, targets = self.model(org_id)
        return targets, model.probabilities(text[:MODEL_CHARS])

    def understand(self, text: str, org_id: str) -> Decision:
        intent = self.pattern_intent(text)
        if intent is not None:
            return Decision("intent", Target("intent", intent), 1.0)
        said = normalised_words(text)
        if all(len(word) < 2 or word in stopwords() for word in said):
            return Decision("fallback", None, 0.0)  # only function words or letters ("x")
        targets, probabilities = self.probabilities(text, org_id)
        # one word is never acted on as a crisis, but "akut" alone may be one: it is offered
        return decide(targets, probabilities, act_on_crisis=len(said) >= CRISIS_MIN_WORDS)


def _language_samples(knowledge: Knowledge) -> Iterator[tuple[Lang, str]]:
    seen: set[str] = set()
    for org in knowledge.orgs.values():
        for entry in org.entries.values():
            for field in (entry.title, entry.answer):
                for lang, text in field.items():
                    if text not in seen:
                        seen.add(text)
                        yield lang, text
            for lang, questions in entry.examples.items():
                for question in questions:
                    if question not in seen:
                        seen.add(question)
                        yield lang, question
    for intent in knowledge.intents.values():
        for lang, utterances in intent.examples.items():
            for utterance in utterances:
                yield lang, utterance
    for texts in knowledge.messages.values():
        for lang in LANGS:
            yield lang, texts[lang]
