"""A person's own page, on every platform: their requests and queue, then a leader's goals.
Slack shows it in the App Home tab; Teams and the console send it for "hjem", "hem" or
"home", and Teams sends it with a welcome when the app is installed."""

from __future__ import annotations

from bot.handlers import goals, intent_reply, tickets
from bot.handlers.turn import Turn
from bot.replies import Action, Reply


def home(turn: Turn, action: Action) -> list[Reply]:
    return tickets.mine(turn, Action("my_tickets")) + goals.on_action(turn, Action("goals_show"))


def help_(turn: Turn, action: Action) -> list[Reply]:
    """What the bot does (the console's /help), in the language the action carries."""
    return intent_reply.handle(turn, "help", 1.0)


def welcome(turn: Turn, action: Action) -> list[Reply]:
    """Just installed: what the bot does, then the person's own page."""
    return help_(turn, action) + home(turn, action)


ACTIONS = {"home": home, "welcome": welcome, "help": help_}
