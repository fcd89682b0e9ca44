"""What the command modules share: options, error output, loading knowledge."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from bot.app import build_engine
from bot.clock import FixedClock
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge.loader import Knowledge, load_knowledge
from bot.knowledge.yamlfile import KnowledgeError
from bot.languages import LANGS
from bot.spreadsheet import write_csv

OrgOption = Annotated[
    str | None,
    typer.Option("--org", help="organisation id (default: KOMBOT_ORG or region-midtjylland)"),
]


err = Console(stderr=True)


IN_MEMORY = "sqlite://"


def load_or_exit(
    settings: Settings, only_org: str | None = None, lazy_examples: bool = False
) -> Knowledge:
    try:
        return load_knowledge(
            settings.knowledge_dir,
            settings.intents_dir,
            only_org=only_org,
            lazy_examples=lazy_examples,
        )
    except KnowledgeError as exc:
        exit_with(exc)


def exit_with(problems: KnowledgeError) -> NoReturn:
    for problem in problems.problems:
        err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    err.print(f"{len(problems.problems)} problem(s) found.", style="bold red")
    raise typer.Exit(1) from None


def engine_for(
    settings: Settings, org: str, database_url: str | None = None, clock: FixedClock | None = None
) -> Engine:
    """The engine on the configured database, or on `database_url` (`sqlite://` for a
    throw-away one: `ask` and `eval` only look, they file nothing anyone will read)."""
    knowledge = load_or_exit(settings, lazy_examples=True)  # parsed only to train
    if org not in knowledge.orgs:
        known = ", ".join(sorted(knowledge.orgs))
        err.print(f"unknown org '{org}' (known: {known})", style="red", markup=False)
        raise typer.Exit(2)
    engine = build_engine(knowledge, settings, database_url=database_url, clock=clock)
    try:
        with err.status(f"loading the understanding model of {org} (trained once per knowledge)"):
            engine.warm(org)
    except KnowledgeError as exc:  # an example file, read to train
        exit_with(exc)
    return engine


YearOption = Annotated[int | None, typer.Option("--year", help="meeting year (default: this year)")]


def moment(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        err.print(
            f"--now must be an ISO date-time such as 2027-01-28T09:00+01:00, got {value!r}",
            style="red",
            markup=False,
        )
        raise typer.Exit(2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def print_rows(rows: list[dict], title: str, as_csv: bool) -> None:
    if as_csv:
        header = list(rows[0]) if rows else ["empty"]
        write_csv(sys.stdout, header, ([row[h] for h in header] for row in rows))
        return
    if not rows:
        Console().print(f"{title}: nothing in this period", markup=False)
        return
    table = Table(box=box.SIMPLE, title=title)
    for column in rows[0]:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    Console().print(table)


def check_lang(lang: str | None) -> None:
    """Exit with a clear message unless `lang` is one the bot speaks (or not given)."""
    if lang is not None and lang not in LANGS:
        err.print(f"--lang must be one of {', '.join(LANGS)}", style="red")
        raise typer.Exit(2)
