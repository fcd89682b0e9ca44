"""Tickets as rows, for `kombot tickets list|export`."""

from __future__ import annotations

import io

from bot.spreadsheet import write_csv
from bot.storage.models import Ticket

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


def row(ticket: Ticket) -> tuple[str, ...]:
    def when(value):
        return value.isoformat(timespec="minutes") if value else ""

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
