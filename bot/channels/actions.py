"""Buttons carry an `Action` as a small JSON value, the same way on every platform; an
outbox row's payload becomes a `Reply` the channels render like any other."""

from __future__ import annotations

import json

from bot.replies import Action, Choice, Reply


def encode(action: Action) -> str:
    return json.dumps(
        {"n": action.name, "v": action.value, "l": action.lang},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(value: str | dict | None) -> Action | None:
    try:
        data = json.loads(value) if isinstance(value, str) else value
        return Action(str(data["n"]), str(data.get("v", "")), data.get("l"))
    except (TypeError, ValueError, KeyError):
        return None


def payload_reply(payload: dict, prefix: str = "") -> Reply:
    """The notification stored in an outbox row, as a reply with its buttons."""
    choices = [Choice(c["label"], Action(**c["action"])) for c in payload.get("choices", [])]
    return Reply("notice", prefix + payload["text"], payload.get("language", "en"), choices=choices)
