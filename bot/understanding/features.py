"""What the understanding model sees of a text: words, word pairs and character n-grams.

The same function feeds training (scikit-learn's `TfidfVectorizer` with `analyzer=`) and
the served model (`model.py`), so the two can never disagree on a feature. Text is
normalised first: NFKC, casefold, æ/ø/å/ä/ö folded, punctuation and emoji out — so
"hjaelp" and "hjælp" share every feature. Character n-grams inside word boundaries
(Rasa's `char_wb`) carry typos, compounds and inflections; words and word pairs carry
the phrases that tell neighbouring entries apart.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.understanding.normalise import fold, words

CHAR_NGRAMS = (2, 5)


def normalised_words(text: str) -> list[str]:
    return [fold(word) for word in words(text)]


def features(text: str, canonical: Callable[[list[str]], list[str]] | None = None) -> list[str]:
    """`canonical` reads synonyms as their canonical word ("liks-tall" as "lix")."""
    tokens = normalised_words(text)
    if canonical is not None:
        tokens = canonical(tokens)
    out = [f"w:{w}" for w in tokens]
    out += [f"b:{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    low, high = CHAR_NGRAMS
    for word in tokens:
        padded = f" {word} "
        for size in range(low, min(high, len(padded)) + 1):
            out += [padded[i : i + size] for i in range(len(padded) - size + 1)]
    return out
