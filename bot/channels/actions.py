"""Buttons carry an `Action` as a small JSON value, the same way on every platform."""

from __future__ import annotations

import json

from bot.replies import Action


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
