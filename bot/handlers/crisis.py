"""An acute press situation: the first steps from the policy at once, then who to reach."""

from __future__ import annotations

from bot.handlers import intent_reply
from bot.handlers.turn import Turn
from bot.replies import Reply

FIRST_STEPS = ("crisis.press_preparedness_group", "crisis.on_duty_press_officer")


def handle(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    [reply] = intent_reply.handle(turn, intent_id, confidence)
    parts = [reply.text]
    sources = []
    for entry_id in FIRST_STEPS:
        entry = turn.entry(entry_id)
        if entry is not None:
            lang = turn.entry_lang(entry)
            parts.append(f"{turn.title(entry)}\n{entry.answer[lang]}")
            sources.extend(source.name for source in entry.source)
    reply.text = "\n\n".join(parts)
    reply.source = "; ".join(dict.fromkeys(sources)) or None
    return [reply]
