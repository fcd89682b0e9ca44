"""LIX (Björnsson 1968): words per sentence + the percentage of long words.

The rule used here, stated because tools differ: a word is a run of letters (a hyphen or
an apostrophe inside it joins); a long word has more than six letters; a sentence ends at
. ! ? or : followed by a space or the end, or at a blank line — except after the common
abbreviations listed below, and after an ordinal ("12. marts").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.languages import Lang

WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
SENTENCE_END = re.compile(r"([.!?:])(?=\s|$)|\n\s*\n")
ABBREVIATIONS = {
    "fx",
    "f.eks",
    "bl.a",
    "jf",
    "ca",
    "dvs",
    "evt",
    "mht",
    "iht",
    "nr",
    "tlf",
    "kl",
    "osv",
    "t.ex",
    "s.k",
    "m.m",
    "d.v.s",
    "resp",
    "mfl",
    "m.fl",
    "e.g",
    "i.e",
    "etc",
    "dr",
    "mr",
    "mrs",
    "no",
    "vs",
}
# Band limits: the score at which each band starts (domain-facts B4)
BANDS = {
    "da": ((0, "very_easy"), (25, "easy"), (35, "medium"), (45, "hard"), (55, "very_hard")),
    "sv": ((0, "very_easy"), (30, "easy"), (40, "medium"), (50, "hard"), (60, "very_hard")),
}
BANDS["nb"] = BANDS["sv"]  # Tansa / klartsagt use the same limits as lix.se
BANDS["en"] = BANDS["sv"]  # no English table: the Swedish one, as an indication


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    words: int


@dataclass(frozen=True)
class Lix:
    score: float
    band: str
    words: int
    sentences: list[Sentence]
    long_words: list[str]


def sentences(text: str) -> list[Sentence]:
    found, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if match.group(1) == "." and (
            _after_abbreviation(text, match.start()) or _ordinal(text, match.start())
        ):
            continue
        end = match.end()
        words = len(WORD.findall(text[start:end]))
        if words:
            found.append(Sentence(start, end, words))
        start = end
    rest = len(WORD.findall(text[start:]))
    if rest:
        found.append(Sentence(start, len(text), rest))
    return found


def _after_abbreviation(text: str, dot: int) -> bool:
    before = re.search(r"([\w.]+)$", text[:dot])
    return bool(before) and before.group(1).casefold() in ABBREVIATIONS


def _ordinal(text: str, dot: int) -> bool:
    """ "12. marts", "3. mars", "den 1. maj": a number with a dot before a lowercase word is
    an ordinal in Danish, Swedish and Norwegian, not the end of a sentence."""
    after = text[dot + 1 :].lstrip()
    return bool(re.search(r"(?:^|\s)\d{1,3}$", text[:dot])) and after[:1].islower()


def letters(word: str) -> int:
    return sum(ch.isalpha() for ch in word)


def lix(text: str, lang: Lang) -> Lix:
    words = WORD.findall(text)
    found = sentences(text)
    long_words = [w for w in words if letters(w) > 6]
    score = 0.0
    if words:
        score = len(words) / max(len(found), 1) + 100 * len(long_words) / len(words)
    band = next(name for limit, name in reversed(BANDS[lang]) if score >= limit)
    return Lix(round(score, 1), band, len(words), found, long_words)
