"""`kombot reminders` and `kombot goals`: nudges, the scheduler, the goal register."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from bot.app import build_engine
from bot.clock import FixedClock
from bot.commands.common import (
    OrgOption,
    YearOption,
    err,
    load_or_exit,
    moment,
)
from bot.config import Settings
from bot.reminders import calendar
from bot.reminders.goals import UnitReport
from bot.runtime.leadership import SchedulerRefused
from bot.spreadsheet import write_csv


def reminders_preview(org: OrgOption = None, year: YearOption = None) -> None:
    """The computed calendar of nudges (moved off weekends and holidays) and their status."""
    settings = Settings()
    engine = build_engine(load_or_exit(settings), settings)
    year = year or dt.date.today().year
    out = Console()
    out.print(
        f"nudges for the {year} dialogue meetings (local send time; * moved off a "
        "weekend or holiday)",
        markup=False,
    )
    for org_id in [org] if org else sorted(engine.knowledge.orgs):
        statuses = engine.reminders.statuses(org_id, year)
        for o in calendar.occurrences(engine.knowledge.org(org_id), year):
            local = o.due_at.astimezone(ZoneInfo(o.leader.timezone))
            row = statuses.get(o.key)
            out.print(
                f"{local:%a %Y-%m-%d %H:%M %Z}{'*' if o.moved else ' '} "
                f"{o.step.id:<14} meeting {o.meeting}  {o.leader.email}  "
                f"[{row.status if row else 'not planned'}]",
                markup=False,
                highlight=False,
            )


def reminders_run_due(
    now: Annotated[str | None, typer.Option("--now", help="pretend it is this ISO time")] = None,
) -> None:
    """Send every nudge due now (or at --now) through the outbox; report what was missed."""
    settings = Settings()
    engine = build_engine(load_or_exit(settings), settings, clock=FixedClock(moment(now)))
    report = engine.reminders.run_due()
    escalated = engine.desk.escalate_due()
    out = Console()
    for label, keys in (
        ("sent", report.sent),
        ("missed (past the grace period)", report.missed),
        ("skipped (opted out or done)", report.skipped),
    ):
        out.print(f"{label}: {len(keys)}", markup=False)
        for key in keys:
            out.print(f"  {key}", markup=False, highlight=False)
    out.print(
        f"leaders flagged to their contact person: {len(report.escalated)}; "
        f"tickets escalated: {escalated}",
        markup=False,
    )


def reminders_scheduler(
    interval: Annotated[float, typer.Option(help="seconds between ticks")] = 60.0,
) -> None:
    """Run the scheduler (one leader per database; others wait as standby)."""
    from bot.runtime.scheduler import SchedulerRuntime  # APScheduler: for this command only

    settings = Settings()
    engine = build_engine(load_or_exit(settings), settings)
    runtime = SchedulerRuntime(
        engine,
        settings.database_url,
        interval,
        announce=lambda line: print(line, flush=True),
        retention_days=settings.retention_days,
    )

    async def main_loop() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await runtime.run(stop)

    try:
        asyncio.run(main_loop())
    except SchedulerRefused as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None


def next_meeting_year(orgs, today: dt.date) -> int:
    """The year of the next dialogue meeting among these orgs' leaders (this year's
    meetings may all be over)."""
    upcoming = [
        meeting
        for o in orgs
        for leader in o.directory.leaders
        for meeting in (calendar.meeting_in(leader, today.year),)
        if meeting >= today
    ]
    if upcoming:
        return min(upcoming).year
    return today.year + 1 if any(o.directory.leaders for o in orgs) else today.year


def goals_report(
    org: OrgOption = None,
    year: YearOption = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV instead of a table")] = False,
) -> None:
    """Goal follow-up per unit: how many goals, and their status."""
    settings = Settings()
    knowledge = load_or_exit(settings)
    engine = build_engine(knowledge, settings)
    orgs = [knowledge.org(org)] if org else list(knowledge.orgs.values())
    year = year or next_meeting_year(orgs, dt.date.today())
    reported = {(r.org, r.leader): r for r in engine.reminders.goals.report(year, org)}
    everyone = [(o.id, leader.email) for o in orgs for leader in o.directory.leaders]
    rows = [  # every leader, also the ones with no goals yet
        reported.get(key) or UnitReport(*key, year, 0, 0, 0, 0, 0)
        for key in sorted(set(everyone) | set(reported))
    ]
    columns = ("org", "leader", "year", "goals", "achieved", "partly", "not_yet", "not_set")
    values = [[getattr(r, c) for c in columns] for r in rows]
    if as_csv:
        write_csv(sys.stdout, columns, values)
        return
    table = Table(box=box.SIMPLE, title=f"communication goals {year}")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in values:
        table.add_row(*(str(v) for v in row))
    Console().print(table)
