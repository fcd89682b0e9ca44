"""Was the answer helpful, and if not, why; "none of these" under a did-you-mean.

Feedback may also be typed ("tak, det hjalp", "that was wrong"): it then counts for the
person's last answer, as the button under it would. Thanks with no answer of the last hour
to be about (a first "tak!") is a courtesy, answered as one and not counted as feedback.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from bot.handlers import intent_reply, requests
from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply
from bot.understanding.normalise import fold, words

REASONS = ("not_what_i_asked", "not_enough", "wrong")
TYPED_FEEDBACK_WINDOW = dt.timedelta(hours=1)  # later, "tak" is not about that answer
# Typed feedback that says the answer fell short (on folded words); any other is thanks.
_FELL_SHORT = re.compile(
    r"\b(ikke|ikkje|inte|not|didn t|doesn t|isn t|wrong|incorrect|forkert|fel|feil|"
    r"felaktigt?|stemmer ikke|foraeldet|utdatert|utdaterad|inaktuellt|outdated|gammelt|"
    r"gammalt|old|daarligt?|daaligt?|bad|useless|ubrugeligt?|for langt|foer laangt|too long)\b"
)


# Feedback that names what it is about, even when that answer is not the last hour's.
_OF_AN_ANSWER = re.compile(
    r"\b(svar|svaret|svarene|svaren|svarer|answer|answers|reply|feedback|tilbagemelding|"
    r"tilbakemelding|aterkoppling)\b"
)


def on_intent(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    last = turn.records.last_answer(org=turn.org.id, user=turn.user, within=TYPED_FEEDBACK_WINDOW)
    folded = " ".join(fold(w) for w in words(turn.text))
    fell_short = _FELL_SHORT.search(folded)
    if last is None:
        if fell_short or _OF_AN_ANSWER.search(folded):
            return intent_reply.handle(turn, intent_id, confidence)
        text = turn.msg("you_are_welcome")  # a bare thanks
        return [Reply("intent", text, turn.lang, intent="greeting", confidence=confidence)]
    verdict = "not_helpful" if fell_short else "helpful"
    pressed = Action(
        "feedback", {"verdict": verdict, "entry": last.entry, "message": last.message_id}
    )
    return [
        dataclasses.replace(reply, kind="intent", intent=intent_id, confidence=confidence)
        for reply in on_feedback(turn, pressed)
    ]


def on_feedback(turn: Turn, action: Action) -> list[Reply]:
    verdict, entry_id = action.arg("verdict"), action.args.get("entry", "")
    message_id = action.args.get("message", "")
    turn.records.feedback(
        org=turn.org.id,
        user=turn.user,
        verdict=verdict,
        language=turn.lang,
        entry=entry_id,
        message_id=message_id,
    )
    if verdict == "not_helpful":
        choices = [
            Choice(
                turn.msg(f"reason_{reason}"),
                Action(
                    "reason",
                    {"reason": reason, "entry": entry_id, "message": message_id},
                    turn.lang,
                ),
            )
            for reason in REASONS
        ]
        return [Reply("notice", turn.msg("ask_reason"), turn.lang, entry=entry_id, choices=choices)]
    return [Reply("notice", turn.msg("thanks_feedback"), turn.lang, entry=entry_id or None)]


def on_reason(turn: Turn, action: Action) -> list[Reply]:
    turn.records.set_reason(
        org=turn.org.id,
        user=turn.user,
        message_id=action.args.get("message", ""),
        reason=action.arg("reason"),
    )
    return [Reply("notice", turn.msg("thanks_feedback"), turn.lang)]


def on_none_of_these(turn: Turn, action: Action) -> list[Reply]:
    turn.records.feedback(
        org=turn.org.id,
        user=turn.user,
        verdict="none_of_these",
        language=turn.lang,
        message_id=action.args.get("message", ""),
    )
    return requests.ask_adviser(turn, "")


ACTIONS = {"feedback": on_feedback, "reason": on_reason, "none_of_these": on_none_of_these}
INTENTS = {"feedback": on_intent}
