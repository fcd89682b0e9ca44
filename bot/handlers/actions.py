"""Button presses: open an entry, give feedback, ask for an adviser, none of these."""

from __future__ import annotations

from bot.handlers import answer
from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply

REASONS = ("not_what_i_asked", "not_enough", "wrong")


def handle(turn: Turn, action: Action) -> list[Reply]:
    if action.name == "entry":
        entry = turn.entry(action.value)
        if entry is None:
            return [Reply("notice", turn.msg("unknown_entry"), turn.lang)]
        return [answer.answer(turn, entry, 1.0)]
    if action.name == "feedback":
        verdict, _, entry_id = action.value.partition(":")
        if verdict == "not_helpful":
            choices = [
                Choice(
                    turn.msg(f"reason_{reason}"),
                    Action("reason", f"{reason}:{entry_id}", turn.lang),
                )
                for reason in REASONS
            ]
            return [
                Reply("notice", turn.msg("ask_reason"), turn.lang, entry=entry_id, choices=choices)
            ]
        return [Reply("notice", turn.msg("thanks_feedback"), turn.lang, entry=entry_id or None)]
    if action.name == "reason":
        return [Reply("notice", turn.msg("thanks_feedback"), turn.lang)]
    if action.name in ("adviser", "none_of_these"):
        return [Reply("notice", turn.msg("adviser_not_yet"), turn.lang)]
    return [Reply("notice", turn.msg("empty_message"), turn.lang)]
