"""`kombot dashboard link`: a one-time sign-in link to the dashboard, for an admin or an
adviser (the same link "dashboard" gets in chat); `kombot dashboard sample`: fictitious
activity to try it on."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

from bot.clock import SystemClock
from bot.commands.common import err, load_or_exit
from bot.config import Settings
from bot.dashboard.access import Access, NoAccess
from bot.dashboard.sample import fill
from bot.storage.db import make_engine, migrate, sessions


def dashboard_link(
    as_: Annotated[str, typer.Option("--as", help="the e-mail of an admin or adviser")],
    org: Annotated[str | None, typer.Option(help="organisation id (default: KOMBOT_ORG)")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="where `kombot serve` is reached (default: KOMBOT_PUBLIC_URL)"),
    ] = None,
) -> None:
    """Print a sign-in link, valid once for 10 minutes."""
    settings = Settings()
    knowledge = load_or_exit(settings)
    org = org or settings.org
    if org not in knowledge.orgs:
        err.print(f"unknown org {org!r}; one of: {', '.join(sorted(knowledge.orgs))}", markup=False)
        raise typer.Exit(2)
    database = make_engine(settings.database_url)
    migrate(database)
    access = Access(knowledge, sessions(database), SystemClock())
    try:
        link = access.link(org, as_, base_url or settings.public_url)
    except NoAccess as exc:
        err.print(
            f"{exc}: only admins and advisers may use the dashboard", style="red", markup=False
        )
        raise typer.Exit(1) from None
    Console().print(link, markup=False, soft_wrap=True)


def dashboard_sample(
    answers: Annotated[int, typer.Option(help="questions over the last 90 days")] = 5000,
    tickets: Annotated[int, typer.Option(help="tickets, in every state")] = 300,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
) -> None:
    """Fill the configured database with fictitious activity, to try the dashboard on.
    Never on a database real people use: the figures would mix."""
    settings = Settings()
    knowledge = load_or_exit(settings)
    if not yes:
        typer.confirm(
            f"Add {answers} fictitious questions and {tickets} tickets to {settings.database_url}?",
            abort=True,
        )
    database = make_engine(settings.database_url)
    migrate(database)
    with Console().status("adding fictitious activity…"):
        made = fill(knowledge, sessions(database), answers, tickets, dt.datetime.now(dt.UTC))
    Console().print(", ".join(f"{n} {kind}" for kind, n in made.items()), markup=False)
