"""The plain-language check of a draft: LIX with the language's bands, long sentences,
jargon with plain alternatives, passive and nominal style, and suggestions ranked by effect.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from bot.languages import Lang
from bot.understanding.analyse import _stemmer
from bot.understanding.normalise import fold
from bot.writing.glossary import Glossary, Term
from bot.writing.lix import WORD, Lix, lix

MAX_CHARS = 20_000
LONG_SENTENCE = 25  # words
LONGEST_SHOWN = 3

PASSIVE = {  # (patterns, words): modal + s-passive, blive/bli/bli(va) + participle, …
    "da": (
        (
            r"\b(?:skal|kan|må|bør|vil|skulle|kunne)\s+(\w{4,}es)\b",
            r"\b(?:bliver|blev|blive|(?:er|var|har|havde)\s+blevet)\s+(\w{3,}(?:et|t))\b",
        ),
        ("bedes", "anmodes", "opfordres", "indkaldes", "henvises", "afkræves", "meddeles"),
    ),
    "nb": (
        (
            r"\b(?:skal|kan|må|bør|vil|skulle|kunne)\s+(\w{3,}es)\b",
            r"\b(?:blir|ble|bli|(?:er|var|har|hadde)\s+blitt)\s+(\w{3,}(?:et|t|d))\b",
        ),
        ("bes", "anmodes", "oppfordres", "innkalles", "henvises", "meddeles", "behandles"),
    ),
    "sv": (
        (
            r"\b(?:ska|skall|kan|måste|bör|skulle|kunde)\s+(\w{3,}as)\b",
            r"\b(?:blir|blev|bli|(?:har|hade)\s+blivit)\s+(\w{3,}(?:ad|at|t|d|en|na))\b",
            r"\b\w{4,}(?:ats|ades)\b",  # behandlats, beslutades
        ),
        (
            "ombeds",
            "uppmanas",
            "anmodas",
            "kallas",
            "hänvisas",
            "meddelas",
            "avskrivs",
            "behandlas",
            "beslutas",
            "debiteras",
            "återkallas",
        ),
    ),
    "en": ((r"\b(?:is|are|was|were|be|been|being)\s+(\w{3,}ed)\b",), ()),
}
NOMINAL = {
    "da": ("ning", "else", "tion", "hed"),
    "sv": ("ning", "else", "tion", "het"),
    "nb": ("ning", "else", "sjon", "het"),
    "en": ("tion", "ment", "ance", "ence"),
}


@dataclass(frozen=True)
class Jargon:
    term: str
    plain: str
    position: int
    found: str  # as written in the text


@dataclass
class CheckResult:
    language: Lang
    lix: float
    band: str
    sentences: int
    words: int
    long_words: int
    long_word_share: float
    longest_sentences: list[dict]
    jargon: list[Jargon]
    passive: list[str]
    nominal: list[str]
    suggestions: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        data = asdict(self)
        data["jargon"] = [
            {"term": j.term, "plain": j.plain, "position": j.position, "found": j.found}
            for j in self.jargon
        ]
        return data


class WritingCheck:
    def __init__(self, glossaries: dict[Lang, Glossary]):
        self.glossaries = glossaries
        self._single: dict[Lang, dict[str, list[Term]]] = {}
        self._phrases: dict[Lang, list[tuple[re.Pattern, Term]]] = {}
        for lang, glossary in glossaries.items():
            stem = _stemmer(lang).stemWord
            single, phrases = {}, []
            for term in glossary.terms:
                if WORD.fullmatch(term.term) and " " not in term.term:
                    single.setdefault(fold(stem(fold(term.term.casefold()))), []).append(term)
                else:
                    pattern = r"(?<!\w)" + re.escape(term.term) + r"(?!\w)"
                    phrases.append((re.compile(pattern, re.IGNORECASE), term))
            self._single[lang], self._phrases[lang] = single, phrases

    def check(self, text: str, lang: Lang) -> CheckResult:
        measured = lix(text, lang)
        jargon = self._jargon(text, lang)
        longest = sorted(measured.sentences, key=lambda s: s.words, reverse=True)[:LONGEST_SHOWN]
        passive = _passive(text, lang)
        nominal = _nominal(text, lang, measured.words)
        result = CheckResult(
            language=lang,
            lix=measured.score,
            band=measured.band,
            sentences=len(measured.sentences),
            words=measured.words,
            long_words=len(measured.long_words),
            long_word_share=round(len(measured.long_words) / max(measured.words, 1), 3),
            longest_sentences=[
                {"words": s.words, "text": text[s.start : s.end].strip()} for s in longest
            ],
            jargon=jargon,
            passive=passive,
            nominal=nominal,
        )
        result.suggestions = _suggestions(result, measured)
        return result

    def _jargon(self, text: str, lang: Lang) -> list[Jargon]:
        """Phrases first: a word inside one ("henvisning" in "med henvisning til", a
        reference, not a referral) is read as part of the phrase, not on its own."""
        found: dict[str, Jargon] = {}
        in_phrase: list[range] = []
        for pattern, term in self._phrases.get(lang, []):
            for match in pattern.finditer(text):
                in_phrase.append(range(match.start(), match.end()))
                if term.term not in found:
                    found[term.term] = Jargon(term.term, term.plain, match.start(), match.group())
        stem = _stemmer(lang).stemWord
        single = self._single.get(lang, {})
        for match in WORD.finditer(text):
            if any(match.start() in span for span in in_phrase):
                continue
            key = fold(stem(fold(match.group().casefold())))
            term = _inflection_of(match.group(), single.get(key, []))
            if term is not None and term.term not in found:
                found[term.term] = Jargon(term.term, term.plain, match.start(), match.group())
        return sorted(found.values(), key=lambda j: j.position)


def _inflection_of(word: str, candidates: list[Term]) -> Term | None:
    """The glossary term `word` is a form of, among those sharing its stem. A stem can be
    much shorter than its word ("fast" from "fastende", "samt" from "samtlige"), so a word
    more than two letters shorter than a term is not a form of it: "fast" is no "fastende".
    """
    fits = [t for t in candidates if len(word) >= len(t.term) - 2]
    return min(fits, key=lambda t: abs(len(word) - len(t.term)), default=None)


def _passive(text: str, lang: Lang) -> list[str]:
    patterns, words = PASSIVE[lang]
    hits = [m.group(0) for p in patterns for m in re.finditer(p, text, re.IGNORECASE)]
    hits += [w.group() for w in WORD.finditer(text) if w.group().casefold() in words]
    return list(dict.fromkeys(hits))


def _nominal(text: str, lang: Lang, words: int) -> list[str]:
    suffixes = NOMINAL[lang]
    hits = [w for w in WORD.findall(text) if len(w) >= 8 and w.casefold().endswith(suffixes)]
    return list(dict.fromkeys(hits)) if len(hits) >= 3 and len(hits) >= 0.05 * words else []


def _suggestions(result: CheckResult, measured: Lix) -> list[dict]:
    """What would change the most first: long sentences, jargon, long words, style."""
    found = []
    too_long = [s for s in measured.sentences if s.words > LONG_SENTENCE]
    if too_long:
        found.append(
            {
                "kind": "split_sentences",
                "effect": sum(s.words - 15 for s in too_long),
                "count": len(too_long),
                "words": max(s.words for s in too_long),
            }
        )
    for item in result.jargon:
        found.append(
            {"kind": "replace_jargon", "effect": 5, "term": item.found, "plain": item.plain}
        )
    if result.long_word_share > 0.30:
        found.append(
            {
                "kind": "shorter_words",
                "effect": int(100 * result.long_word_share) - 25,
                "share": round(100 * result.long_word_share),
            }
        )
    if result.passive:
        found.append(
            {
                "kind": "active_voice",
                "effect": 4 * len(result.passive),
                "examples": result.passive[:3],
            }
        )
    if result.nominal:
        found.append(
            {
                "kind": "verbs_not_nouns",
                "effect": 3 * len(result.nominal),
                "examples": result.nominal[:3],
            }
        )
    return sorted(found, key=lambda s: s["effect"], reverse=True)
