"""Buttons carry an `Action` as a small JSON value, the same way on every platform; an
outbox row's payload becomes replies the channels render like any other."""

from __future__ import annotations

import dataclasses
import json

from bot.languages import LANGS
from bot.replies import Action, Choice, Reply

UNREADABLE = Action("unreadable")  # a button value that does not parse: a polite reply


def encode(action: Action) -> str:
    return json.dumps(
        {"n": action.name, "v": action.value, "l": action.lang},
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
    lang = data.get("l")
    return Action(str(data["n"]), str(data.get("v", "")), lang if lang in LANGS else None)


def payload_reply(payload: dict, prefix: str = "") -> Reply:
    """The notification stored in an outbox row, as a reply with its buttons."""
    choices = [Choice(c["label"], Action(**c["action"])) for c in payload.get("choices", [])]
    return Reply("notice", prefix + payload["text"], payload.get("language", "en"), choices=choices)


def stored_replies(replies: list[Reply]) -> list[dict]:
    """Replies as JSON for an outbox row (the answer to a message, delivered later)."""
    return [dataclasses.asdict(reply) for reply in replies]


def payload_replies(payload: dict) -> list[Reply]:
    """An outbox row's replies: the answer to a message, or one notification."""
    if "replies" not in payload:
        return [payload_reply(payload)]
    return [
        Reply(
            **{
                **stored,
                "choices": [Choice(c["label"], Action(**c["action"])) for c in stored["choices"]],
            }
        )
        for stored in payload["replies"]
    ]
