"""Check a pasted draft: LIX and what to do about it, in the language of the text."""

from __future__ import annotations

import re

from bot.handlers.turn import Turn
from bot.knowledge.loader import Knowledge
from bot.languages import LANGS, Lang
from bot.replies import Reply
from bot.writing.check import MAX_CHARS, CheckResult

BODY = re.compile(r"[:\n]\s*(?P<body>.+)$", re.DOTALL)
MIN_WORDS = 3
# Sent when the bot asked for a text, a message this long is that text, whatever it reads
# like: a draft press statement about a death reads as a crisis with p 0.98.
DRAFT_WORDS = 25


def on_intent(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    match = BODY.search(turn.text)
    body = match["body"].strip() if match else ""
    if len(body.split()) < MIN_WORDS and awaited(turn):
        body = turn.text  # a draft that reads like a request to check one
    return check(turn, body, confidence)


def awaited(turn: Turn) -> bool:
    """The bot's last word to this person asked for the text: this message is the draft."""
    _, answered = turn.desk.intake.last_exchange(turn.org.id, turn.user)
    asked = turn.knowledge.messages["check_no_text"]
    return answered is not None and answered in (asked[lang] for lang in LANGS)


def is_draft(text: str, sure: bool) -> bool:
    """Asked for a text, this message is it, unless it is short and surely something else."""
    return not sure or len(text.split()) >= DRAFT_WORDS


def check(turn: Turn, body: str, confidence: float = 1.0, acute: bool = False) -> list[Reply]:
    """`acute`: the draft reads like a crisis happening now; the reply says how to raise one."""
    if len(body.split()) < MIN_WORDS:
        text, lang = turn.msg("check_no_text"), turn.lang
    elif len(body) > MAX_CHARS:
        text, lang = turn.msg("check_too_long", length=len(body), limit=MAX_CHARS), turn.lang
    else:
        lang = turn.understanding.language(body, turn.lang).lang
        result = turn.writing.check(body, lang)
        text = render(turn.knowledge, result, lang)
        if acute:
            text += "\n\n" + turn.knowledge.message("check_sounds_acute", lang)
    return [Reply("intent", text, lang, intent="plain_language", confidence=confidence)]


def render(knowledge: Knowledge, result: CheckResult, lang: Lang) -> str:
    """The check as chat text, in the language of the checked text."""

    def msg(key: str, **values) -> str:
        return knowledge.message(key, lang, **values)

    lines = [
        msg(
            "check_summary",
            lix=round(result.lix),
            band=msg(f"band_{result.band}"),
            scale=msg("lix_scale"),
            sentences=msg(
                "sentences_one" if result.sentences == 1 else "sentences_other",
                n=result.sentences,
            ),
            words=result.words,
            long_share=round(100 * result.long_word_share),
        )
    ]
    long_ones = [s for s in result.longest_sentences if s["words"] > 20]
    if long_ones:
        lines.append(msg("check_longest"))
        lines += [f"• ({s['words']}) {_clip(s['text'])}" for s in long_ones]
    if result.jargon:
        lines.append(msg("check_jargon"))
        lines += [f"• {j.found} → {j.plain}" for j in result.jargon[:10]]
    if result.suggestions:
        lines.append(msg("check_suggestions"))
        for n, suggestion in enumerate(result.suggestions[:3], 1):
            lines.append(f"{n}. {suggestion_text(knowledge, suggestion, lang)}")
    return "\n".join(lines)


def suggestion_text(knowledge: Knowledge, suggestion: dict, lang: Lang) -> str:
    values = {
        k: ", ".join(v) if isinstance(v, list) else v
        for k, v in suggestion.items()
        if k not in ("kind", "effect")
    }
    return knowledge.message(f"sugg_{suggestion['kind']}", lang, **values)


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


INTENTS = {"plain_language": on_intent}
