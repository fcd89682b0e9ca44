"""Where the question is in a message that says more than the question.

People tell a story first ("a journalist just called about the waiting lists, I said I
would call back. who do I pass it to?") or paste a text after an instruction ("make
this easier to read: …"). The model reads the whole message and, beside it, the parts
that carry the ask: the last sentence that is a question, and a short instruction
before a colon. Their probabilities are averaged, so the whole still counts.
"""

from __future__ import annotations

import re

from bot.understanding.features import normalised_words

# The words a question starts with, folded as the model folds them (æ→ae, ø/ö→oe, å→aa).
QUESTION_WORDS = frozenset(
    {
        *("hvem", "hvad", "hvor", "hvornaar", "hvordan", "hvorfor", "hvilken", "hvilke"),
        *("hvilket", "maa", "skal", "kan", "boer", "faar", "maaste", "trenger"),
        *("vem", "vad", "var", "naer", "hur", "varfoer", "vilken", "vilka", "vilket", "ska"),
        *("hva", "naar"),
        *("who", "what", "where", "when", "how", "why", "which", "may", "must", "can"),
        *("could", "should", "do", "does", "is", "are", "am"),
    }
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_INSTRUCTION_WORDS = 12  # "kan du gøre den her lettere at forstå for en patient:"
MIN_PASTED_WORDS = 5


def focus_parts(text: str) -> list[str]:
    """The parts of `text` worth reading on their own besides the whole (maybe none)."""
    parts: list[str] = []
    sentences = [s for s in _SENTENCE_END.split(text) if normalised_words(s)]
    if len(sentences) > 1:
        questions = [s for s in sentences if _is_question(s)]
        if questions:
            parts.append(questions[-1])
    head, colon, rest = text.partition(":")
    if (
        colon
        and len(normalised_words(head)) <= MAX_INSTRUCTION_WORDS
        and len(normalised_words(rest)) >= MIN_PASTED_WORDS
    ):
        parts.append(head)
    return parts


def _is_question(sentence: str) -> bool:
    if "?" in sentence:
        return True
    first = normalised_words(sentence)[:1]
    return bool(first) and first[0] in QUESTION_WORDS
