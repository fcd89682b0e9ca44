"""What the core says back, independent of any chat platform.

Channels render a `Reply` as Block Kit, an Adaptive Card or terminal text; a `Choice`
becomes a button whose press comes back as an `Action` on the next `Incoming`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.languages import Lang

ReplyKind = Literal["answer", "suggestions", "fallback", "intent", "notice"]


@dataclass(frozen=True)
class Action:
    name: str  # entry | feedback | reason | adviser | none_of_these
    value: str = ""
    lang: Lang | None = None


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
