"""Text normalisation shared by the index and the questions.

NFKC and casefold, control characters out, punctuation and emoji to spaces, and a
folding of æ/ø/å/ä/ö to ae/oe/aa/ae/oe so "hjaelp" and "hjælp" meet.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "å": "aa",
        "ä": "ae",
        "ö": "oe",
        "ü": "u",
        "é": "e",
        "è": "e",
        "á": "a",
        "à": "a",
        "ó": "o",
        "ô": "o",
    }
)
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff\ud800-\udfff]"
)  # lone surrogates too: no database stores them
_NOT_WORD = re.compile(r"[^\w]+|_+")


def clean(text: str) -> str:
    """What every incoming message goes through first: NFKC, no control characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", text)).strip()


def words(text: str) -> list[str]:
    """Casefolded words; punctuation, symbols and emoji are separators."""
    return _NOT_WORD.sub(" ", text.casefold()).split()


def fold(word: str) -> str:
    return word.translate(_FOLD)


def has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)
