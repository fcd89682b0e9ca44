"""Language, intent patterns and the match index, built once per knowledge version."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.knowledge.loader import Knowledge, OrgKnowledge
from bot.languages import LANGS, Lang
from bot.tickets.routing import keyword_terms
from bot.understanding.analyse import Analyser
from bot.understanding.decide import Decision, decide
from bot.understanding.index import Example, MatchIndex, Target
from bot.understanding.language import Detected, LanguageDetector
from bot.understanding.normalise import fold

PATTERN_HEAD = 200  # intent patterns look at the start of a message only
MATCH_CHARS = 600  # a question longer than this is matched on its start


class Understanding:
    def __init__(self, knowledge: Knowledge):
        self.knowledge = knowledge
        self.analyser = Analyser(knowledge.synonyms)
        self.detector = LanguageDetector(_language_samples(knowledge))
        self._patterns = [
            (intent.id, re.compile(p, re.IGNORECASE), re.compile(fold(p), re.IGNORECASE))
            for intent in knowledge.intents.values()
            for p in intent.patterns
        ]
        self._indexes: dict[str, MatchIndex] = {}
        self._keywords: dict[tuple[str, Lang], dict[str, frozenset[str]]] = {}

    def index(self, org_id: str) -> MatchIndex:
        index = self._indexes.get(org_id)
        if index is None:
            org = self.knowledge.org(org_id)
            index = MatchIndex(list(_examples(self.knowledge, org)), self.analyser)
            self._indexes[org_id] = index
        return index

    def function_keywords(self, org_id: str, lang: Lang) -> dict[str, frozenset[str]]:
        """The directory's expert-function keywords, analysed once per org and language."""
        key = (org_id, lang)
        if key not in self._keywords:
            directory = self.knowledge.org(org_id).directory
            self._keywords[key] = keyword_terms(directory, self.analyser, lang)
        return self._keywords[key]

    def language(self, text: str, prefer: Lang) -> Detected:
        return self.detector.detect(text[:MATCH_CHARS], prefer)

    def pattern_intent(self, text: str) -> str | None:
        head = text[:PATTERN_HEAD].casefold()
        folded = fold(head)
        for intent_id, plain, ascii_form in self._patterns:
            if plain.search(head) or ascii_form.search(folded):
                return intent_id
        return None

    def understand(self, text: str, org_id: str, lang: Lang) -> Decision:
        intent = self.pattern_intent(text)
        if intent is not None:
            return Decision("intent", Target("intent", intent), 1.0)
        index = self.index(org_id)
        return decide(index.targets, index.score(text[:MATCH_CHARS], lang))


def _examples(knowledge: Knowledge, org: OrgKnowledge) -> Iterator[Example]:
    for entry in org.entries.values():
        target = Target("entry", entry.id)
        for lang, questions in entry.examples.items():
            for question in questions:
                yield Example(target, lang, question)
        for lang, title in entry.title.items():
            yield Example(target, lang, title)
    for intent in knowledge.intents.values():
        target = Target("intent", intent.id)
        for lang, utterances in intent.examples.items():
            for utterance in utterances:
                yield Example(target, lang, utterance)


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
