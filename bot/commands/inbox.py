"""`kombot inbox`: what came in and could not be answered (dead letters), and retrying it."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from bot.clock import SystemClock
from bot.commands.common import err
from bot.config import Settings
from bot.privacy import personal_numbers
from bot.storage.db import make_engine, migrate, sessions
from bot.storage.inbox import Inbox


def _inbox(settings: Settings) -> Inbox:
    database = make_engine(settings.database_url)
    migrate(database)
    return Inbox(sessions(database), SystemClock())


def inbox_dead(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
) -> None:
    """List dead letters: messages that failed every attempt (the sender was told)."""
    rows = _inbox(Settings()).dead_letters()
    if as_json:
        for row in rows:
            print(json.dumps(_shown(row), ensure_ascii=False))
        return
    if not rows:
        print("no dead letters")
        return
    table = Table(box=box.SIMPLE)
    for column in ("id", "channel", "received", "attempts", "error", "text"):
        table.add_column(column, overflow="fold")
    for row in rows:
        shown = _shown(row)
        table.add_row(
            *(str(shown[c]) for c in ("id", "channel", "received", "attempts")),
            shown["error"][:80],
            shown["text"][:60],
        )
    Console().print(table)


def _shown(row) -> dict:
    payload = row.payload or {}
    text = payload.get("text") or (payload.get("activity") or {}).get("text") or ""
    redacted, _ = personal_numbers.redact(text)
    return {
        "id": row.id,
        "key": row.key,
        "channel": row.channel,
        "received": row.created_at.isoformat(timespec="seconds"),
        "attempts": row.attempts,
        "error": row.last_error or "",
        "text": redacted,
    }


def inbox_retry(
    ids: Annotated[list[int], typer.Argument(help="dead-letter ids (from `kombot inbox dead`)")],
) -> None:
    """Queue dead letters again, once the cause is fixed; a running server answers them."""
    queued = _inbox(Settings()).retry(ids)
    if queued < len(ids):
        err.print(f"{len(ids) - queued} of the ids are not dead letters", style="yellow")
    print(f"queued again: {queued}")
