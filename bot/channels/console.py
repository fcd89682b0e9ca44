"""The terminal chat: the same engine as production, buttons as numbered choices."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from bot.engine import Engine
from bot.replies import Action, Incoming, Reply

STYLE = {
    "answer": "green",
    "suggestions": "yellow",
    "fallback": "yellow",
    "intent": "cyan",
    "notice": "magenta",
}


def render(console: Console, replies: list[Reply]) -> list[Action]:
    """Print replies; return the actions behind the numbers shown."""
    actions: list[Action] = []
    for reply in replies:
        if reply.title:
            console.print(Text(reply.title, style=f"bold {STYLE[reply.kind]}"))
        console.print(Text(reply.text, style=STYLE[reply.kind]))
        if reply.source:
            console.print(Text(f"— {reply.source}", style="dim"))
        for choice in reply.choices:
            actions.append(choice.action)
            console.print(Text(f"  [{len(actions)}] {choice.label}", style="bold"))
    return actions


def chat(
    engine: Engine, org: str, user: str, console: Console, read: Callable[[str], str] = input
) -> None:
    org_name = engine.knowledge.org(org).org.name
    console.print(
        Text(
            f"kombot · {org_name} · you are {user}. Ask a question; type a number "
            "to press a button; Ctrl-D or /quit to leave.",
            style="dim",
        )
    )
    actions: list[Action] = []
    while True:
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        line = line.strip()
        if line in ("/quit", "/exit"):
            return
        if line.isdigit() and 1 <= int(line) <= len(actions):
            incoming = Incoming(text="", org=org, user=user, action=actions[int(line) - 1])
        else:
            incoming = Incoming(text=line, org=org, user=user)
        actions = render(console, engine.handle(incoming))
