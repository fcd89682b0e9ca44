"""`kombot kb`: validate the knowledge, ask a server to reload it."""

from __future__ import annotations

import datetime as dt
import os
import signal
from typing import Annotated

import typer
from rich.console import Console

from bot.commands.common import (
    OrgOption,
    err,
    load_or_exit,
)
from bot.config import Settings
from bot.knowledge.report import (
    meetings_on_closed_days,
    stale_entries,
    summary_table,
    validation_tables,
)
from bot.understanding.cache import ModelCache
from bot.understanding.training import cross_validate
from bot.understanding.understand import Understanding


def kb_check(
    org: OrgOption = None,
    train: Annotated[
        bool,
        typer.Option(
            "--train/--no-train",
            help="also train each org's model (cached) and cross-validate its examples",
        ),
    ] = True,
) -> None:
    """Validate knowledge/ and intents/; print a summary per organisation, and how well
    the model tells each entry's examples from the rest."""
    settings = Settings()
    knowledge = load_or_exit(settings, only_org=org)
    today = dt.date.today()
    out = Console()
    out.print(summary_table(knowledge, today))
    for org_id, entry_id, owner, review_by in stale_entries(knowledge, today):
        out.print(
            f"past review: {org_id} {entry_id} (owner {owner}, review by {review_by})", markup=False
        )
    for org_id, leader, day in meetings_on_closed_days(knowledge):
        out.print(
            f"warning: {org_id}: the dialogue meeting of {leader} on {day.isoformat()} is not "
            "a working day (a weekend or public holiday); is the date right?",
            markup=False,
        )
    if train:
        understanding = Understanding(knowledge, ModelCache(settings.model_cache_dir))
        for org_id in sorted(knowledge.orgs):
            with out.status(f"{org_id}: training and cross-validating"):
                understanding.model(org_id)
                validation = cross_validate(knowledge, org_id)
            for table in validation_tables(org_id, validation):
                out.print(table)
    out.print(f"{len(knowledge.intents)} intents; knowledge OK.")


def kb_reload(pid: Annotated[int, typer.Argument(help="process id of `kombot serve`")]) -> None:
    """Check the knowledge, then tell a running server to reload it (SIGHUP)."""
    load_or_exit(Settings())  # a broken edit stops here, with file and line
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        err.print(f"no process {pid}", style="red")
        raise typer.Exit(2) from None
    Console().print(f"knowledge is valid; asked process {pid} to reload it", markup=False)
