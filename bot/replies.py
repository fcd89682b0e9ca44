"""What the core says back, independent of any chat platform.

Channels render a `Reply` as Block Kit, an Adaptive Card or terminal text; a `Choice`
becomes a button whose press comes back as an `Action` on the next `Incoming`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.languages import Lang

ReplyKind = Literal["answer", "suggestions", "fallback", "intent", "notice"]


class UnreadableAction(ValueError):
    """A button whose arguments are not what its handler needs (an old or forged one)."""


@dataclass(frozen=True)
class Action:
    """A button press: which handler (`name`, see each handler module's ACTIONS) and its
    named arguments, e.g. Action("claim", {"ticket": "RM-2026-0001"}, "da")."""

    name: str
    args: Mapping[str, str] = field(default_factory=dict)
    lang: Lang | None = None

    def arg(self, key: str) -> str:
        value = self.args.get(key)
        if not isinstance(value, str):
            raise UnreadableAction(f"{self.name} without {key}")
        return value

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "args": dict(self.args), "lang": self.lang}


@dataclass(frozen=True)
class Choice:
    label: str
    action: Action


@dataclass
class Reply:
    kind: ReplyKind
    text: str
    language: Lang
    entry: str | None = None
    intent: str | None = None
    confidence: float = 0.0
    suggestions: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    title: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One message or button press, as any channel delivers it."""

    text: str
    org: str
    user: str = "console"
    channel: str = "console"
    locale: Lang | None = None  # the user's or workspace's language, when the channel knows it
    action: Action | None = None
    message_id: str | None = None
