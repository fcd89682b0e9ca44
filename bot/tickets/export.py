"""Tickets as rows, for `kombot tickets list|export`."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from bot.spreadsheet import write_csv
from bot.storage.models import Ticket

ZONES = {"dk": "Europe/Copenhagen", "se": "Europe/Stockholm", "no": "Europe/Oslo"}

COLUMNS = (
    "id",
    "org",
    "priority",
    "state",
    "requester",
    "area",
    "assignee",
    "function",
    "created",
    "claimed",
    "resolved",
    "escalations",
    "subject",
)


def row(ticket: Ticket, country: str | None = None) -> tuple[str, ...]:
    """One ticket; times in the org's country's local time when `country` is given."""

    def when(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        if country is not None:
            return value.astimezone(ZoneInfo(ZONES[country])).strftime("%Y-%m-%d %H:%M")
        return value.isoformat(timespec="minutes")

    return (
        ticket.human_id,
        ticket.org,
        ticket.priority,
        ticket.state,
        ticket.requester,
        ticket.requester_area or "",
        ticket.assignee or "",
        ticket.function or "",
        when(ticket.created_at),
        when(ticket.claimed_at),
        when(ticket.resolved_at),
        str(ticket.escalation),
        ticket.subject,
    )


def to_csv(tickets: list[Ticket]) -> str:
    out = io.StringIO()
    write_csv(out, COLUMNS, (row(t) for t in tickets))
    return out.getvalue()
