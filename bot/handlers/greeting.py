"""A greeting gets the invitation to ask. A bare "ok" or "fint" right after an answer gets a
short nod instead: a second "Hello! Ask me about…" reads as if the bot had forgotten the
conversation. As a first message, "ok" still gets the invitation."""

from __future__ import annotations

import re

from bot.handlers import intent_reply
from bot.handlers.feedback import TYPED_FEEDBACK_WINDOW
from bot.handlers.turn import Turn
from bot.replies import Reply

# The acknowledgements among the greeting intent's patterns (intents/greeting.yaml)
ACKNOWLEDGEMENT = re.compile(
    r"(ok|okay|okey|oki|okidoki|fint|fine|aha|nej tak|nei takk)[\s,!.]*", re.IGNORECASE
)


def on_intent(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    after_an_answer = ACKNOWLEDGEMENT.fullmatch(turn.text.strip()) and turn.records.last_answer(
        org=turn.org.id, user=turn.user, within=TYPED_FEEDBACK_WINDOW
    )
    if not after_an_answer:
        return intent_reply.handle(turn, intent_id, confidence)
    text = turn.msg("acknowledged")
    return [Reply("intent", text, turn.lang, intent=intent_id, confidence=confidence)]


INTENTS = {"greeting": on_intent}
