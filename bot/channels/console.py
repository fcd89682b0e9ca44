"""The terminal chat: the same engine as production, buttons as numbered choices.

Notifications addressed to the person you play (a new ticket, "your request was
claimed") come through the same outbox as in Slack and Teams, shown before each prompt.
Play another person with `kombot chat --as EMAIL` on the same database.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from bot.channels import actions
from bot.engine import Engine
from bot.replies import Action, Incoming, Reply
from bot.storage.models import OutboxMessage
from bot.storage.outbox import OutboxWorker

STYLE = {
    "answer": "green",
    "suggestions": "yellow",
    "fallback": "yellow",
    "intent": "cyan",
    "notice": "magenta",
}


def render(
    console: Console, replies: list[Reply], actions: list[Action] | None = None
) -> list[Action]:
    """Print replies; return the actions behind the numbers shown."""
    actions = [] if actions is None else actions
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


def notification(engine: Engine, row: OutboxMessage) -> Reply:
    return actions.payload_reply(engine.desk.as_of_now(row.org, row.payload), prefix="🔔 ")


QUIT = {"/quit", "/exit", "quit", "exit", "afslut", "avslut", "avsluta", "avslutt", "farvel"}
HELP = {"/help", "/hjælp", "/hjaelp", "/hjälp", "/hjelp", "/?"}  # in the org's language
PASTE = {'"""', "/paste"}  # a text of several lines, sent as one message up to the next '"""'


def _pasted(read: Callable[[str], str]) -> str:
    """The lines up to a closing triple quote (or Ctrl-D), as one message: a draft pasted
    to be checked must not become one question per line."""
    lines = []
    while True:
        try:
            line = read("… ")
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip() == '"""':
            break
        lines.append(line)
    return "\n".join(lines).strip()


def chat(
    engine: Engine, org: str, user: str, console: Console, read: Callable[[str], str] = input
) -> None:
    if read is input and sys.stdin.isatty():
        import readline  # noqa: F401 - arrow keys, history, and no 4 KB cut on a long paste
    knowledge = engine.knowledge.org(org)
    banner = engine.knowledge.message(
        "console_banner", knowledge.org.language, org=knowledge.org.name, user=user
    )
    console.print(Text(banner, style="dim"))
    inbox: list[Reply] = []
    worker = OutboxWorker(
        engine.desk.sessions, lambda row: inbox.append(notification(engine, row)), engine.desk.clock
    )
    actions: list[Action] = []
    while True:
        engine.desk.escalate_due()
        worker.run_once(recipient=user)
        if inbox:
            actions = render(console, inbox, actions)
            inbox.clear()
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        line = line.strip()
        if line.casefold() in QUIT:
            return
        if line.casefold() in PASTE:
            line = _pasted(read)
            if not line:
                continue
        if line.casefold() in HELP:
            help_ = Action("help", {}, knowledge.org.language)
            incoming = Incoming(text="", org=org, user=user, action=help_)
        elif line.isdigit() and 1 <= int(line) <= len(actions):
            incoming = Incoming(text="", org=org, user=user, action=actions[int(line) - 1])
        else:
            incoming = Incoming(text=line, org=org, user=user)
        actions = render(console, engine.handle(incoming))
