"""Was the answer helpful, and if not, why; "none of these" under a did-you-mean."""

from __future__ import annotations

from bot.handlers import requests
from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply

REASONS = ("not_what_i_asked", "not_enough", "wrong")


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
