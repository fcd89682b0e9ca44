"""`kombot tickets`: list, show and export tickets."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from bot.app import build_engine
from bot.commands.common import (
    OrgOption,
    err,
    load_or_exit,
)
from bot.config import Settings
from bot.tickets import export


def _desk(settings: Settings):
    return build_engine(load_or_exit(settings), settings).desk


def tickets_list(
    org: OrgOption = None,
    state: Annotated[str | None, typer.Option(help="open, claimed, resolved or cancelled")] = None,
) -> None:
    """List tickets, newest last."""
    desk = _desk(Settings())
    rows = [t for t in desk.tickets(org) if state is None or t.state == state]
    table = Table(box=box.SIMPLE, padding=(0, 1))
    table.add_column("id", no_wrap=True)  # never cut: people type it
    table.add_column("!", no_wrap=True)  # urgent
    table.add_column("state", no_wrap=True)
    table.add_column("assignee", no_wrap=True, overflow="ellipsis", max_width=14)
    table.add_column("created", no_wrap=True)
    table.add_column("subject", overflow="fold", ratio=1)
    for ticket in rows:
        country = desk.knowledge.org(ticket.org).org.country
        cells = export.row(ticket, country)
        table.add_row(
            cells[0],
            "!" if ticket.priority == "urgent" else "",
            cells[3],
            (cells[6] or "–").split("@")[0],
            cells[8][5:],  # MM-DD HH:MM, local time
            _words(cells[12], 80),
        )
    Console().print(table)
    Console().print(f"{len(rows)} ticket(s)")


def _words(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def tickets_show(ticket_id: Annotated[str, typer.Argument(help="e.g. RM-2026-0042")]) -> None:
    """One ticket with its audit trail."""
    desk = _desk(Settings())
    ticket = next((t for t in desk.tickets() if t.human_id == ticket_id.upper()), None)
    if ticket is None:
        err.print(f"no ticket {ticket_id}", style="red", markup=False)
        raise typer.Exit(1)
    out = Console()
    for name, value in zip(export.COLUMNS, export.row(ticket), strict=True):
        out.print(f"{name:>12}: {value}", markup=False, highlight=False)
    out.print(f"{'conversation':>12}:\n{ticket.body}", markup=False, highlight=False)
    for event in desk.events(ticket.id):
        out.print(
            f"  {event.at.isoformat(timespec='seconds')} {event.kind:<10} {event.actor} "
            f"{event.detail}",
            markup=False,
            highlight=False,
        )


def tickets_export(
    org: OrgOption = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV (the default is JSON lines)")] = False,
) -> None:
    """Every ticket, for a spreadsheet (--csv) or another tool (JSON lines)."""
    tickets = _desk(Settings()).tickets(org)
    if as_csv:
        print(export.to_csv(tickets), end="")
        return
    for ticket in tickets:
        print(
            json.dumps(
                dict(zip(export.COLUMNS, export.row(ticket), strict=True)), ensure_ascii=False
            )
        )
