"""A second opinion on "this is not Danish, Swedish, Norwegian or English": py3langid.

Our own detector knows only our four languages, so a Dutch or German question that shares
words with Danish can pass for Danish. py3langid knows 97 languages; on the tune split it
called none of 813 questions foreign (three words or more, probability ≥ 0.9). Loading
its model takes about a second, so it is asked only about messages with many words our
knowledge has never seen, and loaded on the first such message.
"""

from __future__ import annotations

from functools import cache

OURS = {"da", "sv", "no", "nb", "nn", "en"}
SURE = 0.9


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def in_another_language(text: str) -> bool:
    lang, probability = _identifier().classify(text)
    return lang not in OURS and probability >= SURE
