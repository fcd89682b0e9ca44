"""Button presses: each handler module declares the actions it takes (its ACTIONS); a
press goes to the one that declared it. An unknown action, or one without the arguments
its handler needs (an old or forged button), gets a polite reply."""

from __future__ import annotations

from collections.abc import Callable

from bot.handlers import (
    answer,
    contact,
    crisis,
    dashboard,
    feedback,
    goals,
    home,
    requests,
    tickets,
)
from bot.handlers.turn import Turn
from bot.replies import Action, Reply, UnreadableAction

ActionHandler = Callable[[Turn, Action], list[Reply]]
REGISTRY: dict[str, ActionHandler] = {
    **answer.ACTIONS,
    **feedback.ACTIONS,
    **requests.ACTIONS,
    **contact.ACTIONS,
    **tickets.ACTIONS,
    **goals.ACTIONS,
    **home.ACTIONS,
    **dashboard.ACTIONS,
    **crisis.ACTIONS,
}


def handle(turn: Turn, action: Action) -> list[Reply]:
    handler = REGISTRY.get(action.name)
    if handler is not None:
        try:
            return handler(turn, action)
        except UnreadableAction:
            pass
    return [Reply("notice", turn.msg("button_unreadable"), turn.lang)]
