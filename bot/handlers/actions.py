"""Button presses: open an entry, feedback, ask an adviser, requests and tickets."""

from __future__ import annotations

from bot.handlers import answer, contact, goals, requests, tickets
from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply

REASONS = ("not_what_i_asked", "not_enough", "wrong")
TICKET_ACTIONS = {"show", "claim", "resolve", "reassign", "reassign_to", "cancel_ticket"}
NUDGE_ACTIONS = {"goals_show", "snooze", "goals_done", "opt_out"}


def handle(turn: Turn, action: Action) -> list[Reply]:
    if action.name == "entry":
        entry = turn.entry(action.value)
        if entry is None:
            return [Reply("notice", turn.msg("unknown_entry"), turn.lang)]
        return [answer.answer(turn, entry, 1.0)]
    if action.name == "feedback":
        return _feedback(turn, action)
    if action.name == "reason":
        reason, entry_id, message_id = (action.value.split(":") + ["", ""])[:3]
        turn.records.set_reason(
            org=turn.org.id, user=turn.user, message_id=message_id, reason=reason
        )
        return [Reply("notice", turn.msg("thanks_feedback"), turn.lang)]
    if action.name == "none_of_these":
        turn.records.feedback(
            org=turn.org.id,
            user=turn.user,
            verdict="none_of_these",
            language=turn.lang,
            message_id=action.value,
        )
        return requests.ask_adviser(turn, "")
    if action.name == "adviser":
        return requests.ask_adviser(turn, action.value)
    if action.name == "area":
        purpose, ref, area_id = (action.value.split(":", 2) + ["", ""])[:3]
        if turn.org.directory.area(area_id) is None:
            return [Reply("notice", turn.msg("draft_missing"), turn.lang)]
        turn.desk.intake.remember_area(turn.org.id, turn.user, area_id)
        if purpose == "contact":
            return contact.on_area(turn, area_id)
        return requests.on_area_for_draft(turn, ref, area_id)
    if action.name == "confirm":
        return requests.on_confirm(turn, action.value)
    if action.name == "drop":
        return requests.on_drop(turn, action.value)
    if action.name == "my_tickets":  # Slack App Home: not a question, never recorded as one
        return tickets.on_intent(turn, "tickets", 1.0)
    if action.name in TICKET_ACTIONS:
        return tickets.on_action(turn, action)
    if action.name in NUDGE_ACTIONS:
        return goals.on_action(turn, action)
    return [Reply("notice", turn.msg("button_unreadable"), turn.lang)]


def _feedback(turn: Turn, action: Action) -> list[Reply]:
    verdict, entry_id, message_id = (action.value.split(":") + ["", ""])[:3]
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
                Action("reason", f"{reason}:{entry_id}:{message_id}", turn.lang),
            )
            for reason in REASONS
        ]
        return [Reply("notice", turn.msg("ask_reason"), turn.lang, entry=entry_id, choices=choices)]
    return [Reply("notice", turn.msg("thanks_feedback"), turn.lang, entry=entry_id or None)]
