"""From text to the terms that are matched: words, synonyms, stopwords, stems, folding."""

from __future__ import annotations

from functools import cache
from importlib import resources

from bot.knowledge.synonyms import Synonyms
from bot.languages import LANGS, STEMMER_NAME, Lang
from bot.understanding.normalise import fold, words


@cache
def stopwords() -> frozenset[str]:
    """All four languages' function words: a question may mix languages."""
    folder = resources.files("bot.understanding").joinpath("data/stopwords")
    found: set[str] = set()
    for lang in LANGS:
        for line in folder.joinpath(f"{lang}.txt").read_text("utf-8").splitlines():
            if line and not line.startswith("#"):
                found.add(fold(line.strip().casefold()))
    return frozenset(found)


@cache
def _stemmer(lang: Lang):
    import snowballstemmer  # loads every language's stemmer: only when one is needed

    return snowballstemmer.stemmer(STEMMER_NAME[lang])


class Analyser:
    """Turns text into terms; one per knowledge version (synonyms are data)."""

    def __init__(self, synonyms: Synonyms):
        self._stop = stopwords()
        self._phrases: dict[Lang, dict[tuple[str, ...], tuple[str, ...]]] = {}
        shared = synonyms.languages.get("any", {})
        for lang in LANGS:
            table: dict[tuple[str, ...], tuple[str, ...]] = {}
            for canonical, variants in {**shared, **synonyms.languages.get(lang, {})}.items():
                target = tuple(fold(w) for w in words(canonical))
                for variant in variants:
                    table[tuple(fold(w) for w in words(variant))] = target
            self._phrases[lang] = table
        self._any_language = {k: v for lang in LANGS for k, v in self._phrases[lang].items()}
        self._longest = max((len(k) for t in self._phrases.values() for k in t), default=1)

    def canonical(self, folded: list[str]) -> list[str]:
        """Folded words with every synonym read as its canonical word, in any language."""
        return self._replace(folded, self._any_language)

    def terms(self, text: str, lang: Lang) -> tuple[str, ...]:
        stem = _stemmer(lang).stemWord
        folded = [fold(w) for w in words(text)]
        out: list[str] = []
        for word in self._synonyms(folded, lang):
            if word in self._stop or (len(word) < 2 and not word.isdigit()):
                continue
            out.append(fold(stem(word)))
        return tuple(out)

    def _synonyms(self, folded: list[str], lang: Lang) -> list[str]:
        return self._replace(folded, self._phrases[lang])

    def _replace(self, folded: list[str], table: dict) -> list[str]:
        if not table:
            return folded
        out: list[str] = []
        i = 0
        while i < len(folded):
            for size in range(min(self._longest, len(folded) - i), 0, -1):
                target = table.get(tuple(folded[i : i + size]))
                if target is not None:
                    out.extend(target)
                    i += size
                    break
            else:
                out.append(folded[i])
                i += 1
        return out
