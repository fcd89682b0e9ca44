"""`kombot report` and `kombot retention`: figures for the department."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

from bot.analytics.reports import Reports
from bot.app import build_engine
from bot.commands.common import (
    YearOption,
    err,
    load_or_exit,
    print_rows,
)
from bot.config import Settings

REPORTS = ("questions", "outcomes", "top", "unanswered", "unhelpful", "tickets", "goals", "stale")


def report(
    name: Annotated[str, typer.Argument(help=" | ".join(REPORTS))],
    org: Annotated[
        str | None,
        typer.Option("--org", help="organisation id, or 'all' (default: KOMBOT_ORG)"),
    ] = None,
    days: Annotated[int, typer.Option(help="look back this many days")] = 90,
    year: YearOption = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV instead of a table")] = False,
    askers: Annotated[bool, typer.Option(help="show who asked (admins only, with --as)")] = False,
    as_: Annotated[str | None, typer.Option("--as", help="the viewer's e-mail")] = None,
) -> None:
    """Figures for the communication department (no personal numbers, no askers)."""
    if name not in REPORTS:
        err.print(
            f"unknown report {name!r}; one of: {', '.join(REPORTS)}", style="red", markup=False
        )
        raise typer.Exit(2)
    settings = Settings()
    engine = build_engine(load_or_exit(settings), settings)
    org = None if org == "all" else (org or settings.org)  # one org's figures, unless asked
    if askers:
        if org is None or as_ is None:
            err.print("--askers needs --org and --as (an admin of that org)", style="red")
            raise typer.Exit(2)
        if as_.lower() not in engine.knowledge.org(org).directory.admins():
            err.print(
                f"{as_} is not an admin of {org}: the askers stay hidden", style="red", markup=False
            )
            raise typer.Exit(1)
    reports = Reports(engine.knowledge, engine.desk.sessions, engine.reminders.goals)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    rows = {
        "questions": lambda: reports.questions(org, since),
        "outcomes": lambda: reports.outcomes(org, since),
        "top": lambda: reports.top_entries(org, since),
        "unanswered": lambda: reports.unanswered(org, since, askers=askers),
        "unhelpful": lambda: reports.unhelpful(org, since),
        "tickets": lambda: reports.tickets(org, since),
        "goals": lambda: reports.goals_completion(org, year or dt.date.today().year),
        "stale": lambda: reports.stale(dt.date.today()),
    }[name]()
    print_rows(rows, name, as_csv)


def retention(
    days: Annotated[int | None, typer.Option(help="default: KOMBOT_RETENTION_DAYS")] = None,
) -> None:
    """Delete question texts and transcripts older than the retention period (counts stay)."""
    settings = Settings()
    engine = build_engine(load_or_exit(settings), settings)
    forgotten = engine.records.apply_retention(days or settings.retention_days)
    counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in forgotten.items())
    Console().print(
        f"older than {days or settings.retention_days} days, forgotten: {counts}", markup=False
    )
