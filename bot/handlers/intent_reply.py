"""The reply an intent gives from its YAML, until its own issue builds more behaviour."""

from __future__ import annotations

from bot.handlers.turn import Turn
from bot.replies import Reply


def handle(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    intent = turn.knowledge.intents[intent_id]
    text = intent.reply[turn.lang].format(department=turn.department)
    return [Reply("intent", text, turn.lang, intent=intent_id, confidence=confidence)]
