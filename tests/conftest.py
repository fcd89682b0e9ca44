"""Shared fixtures: the shipped knowledge, one engine, and a `bot` to talk to.

def test_x(bot):
    replies = bot.say("må jeg tale med pressen?")
    bot.press("Hjælpsomt")
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_engine
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge.loader import Knowledge, load_knowledge
from bot.replies import Incoming, Reply

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(ROOT / "knowledge", ROOT / "intents")


@pytest.fixture(scope="session")
def engine(knowledge) -> Engine:
    """An engine on a throw-away in-memory database, for tests that do not look at it."""
    return build_engine(knowledge, Settings(), database_url="sqlite://")


class ChatBot:
    """A conversation with the engine, the way a test reads it."""

    def __init__(self, engine: Engine, org: str, user: str = "nurse@example.org"):
        self.engine = engine
        self.org = org
        self.user = user
        self.last: list[Reply] = []

    def say(self, text: str, org: str | None = None) -> list[Reply]:
        self.last = self.engine.handle(Incoming(text=text, org=org or self.org, user=self.user))
        return self.last

    def main(self, text: str, org: str | None = None) -> Reply:
        """The reply that answers the question (warnings and notes aside)."""
        replies = self.say(text, org)
        return next((r for r in replies if r.kind != "notice"), replies[-1])

    def press(self, label: str) -> list[Reply]:
        for reply in self.last:
            for choice in reply.choices:
                if choice.label == label or choice.label.endswith(label):
                    self.last = self.engine.handle(
                        Incoming(text="", org=self.org, user=self.user, action=choice.action)
                    )
                    return self.last
        labels = [c.label for r in self.last for c in r.choices]
        raise AssertionError(f"no button {label!r} in {labels}")


@pytest.fixture
def bot(engine) -> ChatBot:
    return ChatBot(engine, "region-midtjylland")
