"""`kombot ask`, `kombot eval` and `kombot chat`: the engine from the terminal."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from bot.clock import FixedClock
from bot.commands.common import (
    IN_MEMORY,
    OrgOption,
    check_lang,
    engine_for,
    err,
    moment,
)
from bot.config import Settings
from bot.evaluation import EvalFileError, as_json, main_reply, read_items, run, summary
from bot.replies import Incoming


def ask(
    question: Annotated[str, typer.Argument(help="the question, as a person would type it")],
    as_json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    org: OrgOption = None,
    lang: Annotated[str | None, typer.Option("--lang", help="da, sv, nb or en")] = None,
) -> None:
    """Ask one question and print the answer."""
    check_lang(lang)
    settings = Settings()
    org = org or settings.org
    engine = engine_for(settings, org, database_url=IN_MEMORY)
    replies = engine.handle(Incoming(text=question, org=org, channel="cli", locale=lang))
    if as_json_:
        reply = main_reply(replies)
        print(
            json.dumps(
                {
                    "kind": reply.kind,
                    "entry": reply.entry,
                    "intent": reply.intent,
                    "confidence": round(reply.confidence, 3),
                    "language": reply.language,
                    "text": reply.text,
                    "suggestions": reply.suggestions,
                    "source": reply.source,
                },
                ensure_ascii=False,
            )
        )
        return
    from bot.channels.console import render

    render(Console(), replies)


def evaluate(
    file: Annotated[
        Path,
        typer.Argument(
            help="evaluation YAML (see shared/eval/README.md), or a folder of them",
            exists=True,
        ),
    ],
    org: OrgOption = None,
    as_json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    failures: Annotated[bool, typer.Option("--failures", help="list the wrong items")] = False,
) -> None:
    """Run an evaluation file through the engine; report accuracy and latency."""
    settings = Settings()
    org = org or settings.org
    files = sorted(file.glob("*.yaml")) if file.is_dir() else [file]
    try:
        if not files:
            raise EvalFileError(f"{file}: no *.yaml evaluation files in this folder")
        items = [item for path in files for item in read_items(path)]
    except EvalFileError as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    engine = engine_for(settings, org, database_url=IN_MEMORY)
    progress = (
        (lambda xs: track(xs, description="evaluating", console=err, transient=True))
        if len(items) > 50
        else iter
    )
    try:
        results = run(engine, items, org, progress=progress)
    except EvalFileError as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    if as_json_:
        print(json.dumps(as_json(results), ensure_ascii=False))
        return
    out = Console()
    numbers = summary(results)
    table = Table(title=f"{file} ({numbers['total']} questions, org {org})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in (
        "top1",
        "top3",
        "in_scope_top1",
        "out_of_scope_correct",
        "confidently_wrong",
        "crisis_recall",
        "language",
    ):
        table.add_row(key, f"{numbers[key]:.3f}")
    for lang, value in numbers["by_language"].items():
        table.add_row(f"top1 {lang}", f"{value:.3f}")
    for style, figures in numbers.get("by_style", {}).items():
        table.add_row(f"top1 {style} (n={figures['n']})", f"{figures['top1']:.3f}")
    table.add_row("p50 ms", f"{numbers['p50_ms']:.2f}")
    table.add_row("p99 ms", f"{numbers['p99_ms']:.2f}")
    out.print(table)
    if failures:
        for r in results:
            if not r.ok or (r.lang and r.lang != r.language):
                got = r.entry or (f"intent:{r.intent}" if r.intent else r.kind)
                out.print(
                    f"✗ [{r.org}] {r.q!r}: expected {r.expect} ({r.lang}), got {got} "
                    f"({r.language}, {r.confidence:.2f}) {r.suggestions or ''}",
                    markup=False,
                    highlight=False,
                )


def chat(
    org: OrgOption = None,
    as_: Annotated[str, typer.Option("--as", help="whose chat identity (e-mail) to use")] = (
        "employee@example.org"
    ),
    now: Annotated[
        str | None,
        typer.Option("--now", help="pretend it is this ISO time (to follow nudges and SLAs)"),
    ] = None,
) -> None:
    """Chat with the bot in the terminal (the same engine as Slack and Teams)."""
    from bot.channels.console import chat as console_chat

    settings = Settings()
    org = org or settings.org
    started = time.perf_counter()
    engine = engine_for(settings, org, clock=FixedClock(moment(now)) if now else None)
    console = Console()
    console.print(
        f"knowledge {engine.knowledge.version} loaded in {time.perf_counter() - started:.2f}s",
        style="dim",
    )
    console_chat(engine, org, as_, console)
