"""Buttons carry an `Action` as a small JSON value, the same way on every platform; an
outbox row's payload becomes replies the channels render like any other.

Buttons made before actions had named arguments carried one string ("v"); those whose one
argument is plain still work, the others get the polite "could not read that button".
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

from bot.languages import LANGS
from bot.replies import Action, Choice, Reply

UNREADABLE = Action("unreadable")  # a button value that does not parse: a polite reply
_SINGLE_ARGUMENT = {  # the argument an old one-string button meant
    **dict.fromkeys(("entry", "adviser"), "entry"),
    **dict.fromkeys(("confirm", "drop"), "draft"),
    **dict.fromkeys(("show", "claim", "resolve", "reassign", "cancel_ticket"), "ticket"),
    **dict.fromkeys(("goals_show", "snooze", "goals_done", "opt_out"), "year"),
    "none_of_these": "message",
}


def encode(action: Action) -> str:
    return json.dumps(
        {"n": action.name, "a": dict(action.args), "l": action.lang},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(value: str | dict | None) -> Action | None:
    try:
        data = json.loads(value) if isinstance(value, str) else value
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict) or "n" not in data:
        return None
    return _action(str(data["n"]), data.get("a"), data.get("v"), data.get("l"))


def from_stored(stored: Mapping) -> Action:
    """An action kept in an outbox row (`Action.as_dict`, or the older name/value/lang)."""
    return _action(stored["name"], stored.get("args"), stored.get("value"), stored.get("lang"))


def _action(name: str, args, old_value, lang) -> Action:
    if isinstance(args, dict):
        args = {str(k): str(v) for k, v in args.items()}
    elif isinstance(old_value, str) and name in _SINGLE_ARGUMENT:
        args = {_SINGLE_ARGUMENT[name]: old_value} if old_value else {}
    else:
        args = {}
    return Action(name, args, lang if lang in LANGS else None)


def _choices(stored: list[dict]) -> list[Choice]:
    return [Choice(c["label"], from_stored(c["action"])) for c in stored]


def payload_reply(payload: dict, prefix: str = "") -> Reply:
    """The notification stored in an outbox row, as a reply with its buttons."""
    choices = _choices(payload.get("choices", []))
    return Reply("notice", prefix + payload["text"], payload.get("language", "en"), choices=choices)


def stored_replies(replies: list[Reply]) -> list[dict]:
    """Replies as JSON for an outbox row (the answer to a message, delivered later)."""
    return [dataclasses.asdict(reply) for reply in replies]


def payload_replies(payload: dict) -> list[Reply]:
    """An outbox row's replies: the answer to a message, or one notification."""
    if "replies" not in payload:
        return [payload_reply(payload)]
    return [
        Reply(**{**stored, "choices": _choices(stored["choices"])}) for stored in payload["replies"]
    ]
