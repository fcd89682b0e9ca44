"""The `kombot` command: chat, ask, eval, kb check."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import logging
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich import box
from rich.console import Console
from rich.progress import track
from rich.table import Table

from bot.analytics.reports import Reports
from bot.app import build_engine
from bot.clock import FixedClock
from bot.config import Settings
from bot.engine import Engine
from bot.evaluation import EvalFileError, as_json, main_reply, read_items, run, summary
from bot.handlers import plain_language
from bot.knowledge.loader import Knowledge, load_knowledge
from bot.knowledge.report import stale_entries, summary_table
from bot.knowledge.yamlfile import KnowledgeError
from bot.languages import LANGS
from bot.privacy import personal_numbers
from bot.reminders import calendar
from bot.reminders.leadership import SchedulerRefused
from bot.reminders.scheduler import SchedulerRuntime
from bot.replies import Incoming
from bot.tickets import export
from bot.understanding.normalise import clean
from bot.understanding.understand import Understanding
from bot.writing.check import MAX_CHARS, WritingCheck

app = typer.Typer(
    help="kombot: communication-policy assistant.", no_args_is_help=True, add_completion=False
)
kb_app = typer.Typer(help="Work with the knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

OrgOption = Annotated[
    str | None,
    typer.Option("--org", help="organisation id (default: KOMBOT_ORG or region-midtjylland)"),
]
err = Console(stderr=True)
IN_MEMORY = "sqlite://"


def _knowledge(settings: Settings, only_org: str | None = None) -> Knowledge:
    try:
        return load_knowledge(settings.knowledge_dir, settings.intents_dir, only_org=only_org)
    except KnowledgeError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        err.print(f"{len(exc.problems)} problem(s) found.", style="bold red")
        raise typer.Exit(1) from None


def _engine(
    settings: Settings, org: str, database_url: str | None = None, clock: FixedClock | None = None
) -> Engine:
    """The engine on the configured database, or on `database_url` (`sqlite://` for a
    throw-away one: `ask` and `eval` only look, they file nothing anyone will read)."""
    knowledge = _knowledge(settings)
    if org not in knowledge.orgs:
        known = ", ".join(sorted(knowledge.orgs))
        err.print(f"unknown org '{org}' (known: {known})", style="red", markup=False)
        raise typer.Exit(2)
    engine = build_engine(knowledge, settings, database_url=database_url, clock=clock)
    engine.warm(org)
    return engine


@kb_app.command("check")
def kb_check(org: OrgOption = None) -> None:
    """Validate knowledge/ and intents/; print a summary per organisation."""
    settings = Settings()
    knowledge = _knowledge(settings, only_org=org)
    today = dt.date.today()
    out = Console()
    out.print(summary_table(knowledge, today))
    for org_id, entry_id, owner, review_by in stale_entries(knowledge, today):
        out.print(
            f"past review: {org_id} {entry_id} (owner {owner}, review by {review_by})", markup=False
        )
    out.print(f"{len(knowledge.intents)} intents; knowledge OK.")


@kb_app.command("reload")
def kb_reload(pid: Annotated[int, typer.Argument(help="process id of `kombot serve`")]) -> None:
    """Check the knowledge, then tell a running server to reload it (SIGHUP)."""
    _knowledge(Settings())  # a broken edit stops here, with file and line
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        err.print(f"no process {pid}", style="red")
        raise typer.Exit(2) from None
    Console().print(f"knowledge is valid; asked process {pid} to reload it", markup=False)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question, as a person would type it")],
    as_json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    org: OrgOption = None,
    lang: Annotated[str | None, typer.Option("--lang", help="da, sv, nb or en")] = None,
) -> None:
    """Ask one question and print the answer."""
    if lang is not None and lang not in LANGS:
        err.print(f"--lang must be one of {', '.join(LANGS)}", style="red")
        raise typer.Exit(2)
    settings = Settings()
    org = org or settings.org
    engine = _engine(settings, org, database_url=IN_MEMORY)
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


@app.command("eval")
def evaluate(
    file: Annotated[
        Path,
        typer.Argument(
            help="evaluation YAML (see shared/eval/README.md)", exists=True, dir_okay=False
        ),
    ],
    org: OrgOption = None,
    as_json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    failures: Annotated[bool, typer.Option("--failures", help="list the wrong items")] = False,
) -> None:
    """Run an evaluation file through the engine; report accuracy and latency."""
    settings = Settings()
    org = org or settings.org
    try:
        items = read_items(file)
    except EvalFileError as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    engine = _engine(settings, org, database_url=IN_MEMORY)
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
    for key in ("top1", "top3", "in_scope_top1", "out_of_scope_correct", "language"):
        table.add_row(key, f"{numbers[key]:.3f}")
    for lang, value in numbers["by_language"].items():
        table.add_row(f"top1 {lang}", f"{value:.3f}")
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


@app.command()
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
    engine = _engine(settings, org, clock=FixedClock(_when(now)) if now else None)
    console = Console()
    console.print(
        f"knowledge {engine.knowledge.version} loaded in {time.perf_counter() - started:.2f}s",
        style="dim",
    )
    console_chat(engine, org, as_, console)


@app.command()
def check(
    file: Annotated[str, typer.Argument(help="a text file, or - for standard input")],
    as_json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", help="da, sv, nb or en (default: detected)")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Check a draft for plain language: LIX, long sentences, jargon, suggestions."""
    if lang is not None and lang not in LANGS:
        err.print(f"--lang must be one of {', '.join(LANGS)}", style="red")
        raise typer.Exit(2)
    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"cannot read {file}: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    settings = Settings()
    knowledge = _knowledge(settings)
    org_knowledge = knowledge.org(org or settings.org)
    text, findings = personal_numbers.redact(clean(raw), org_knowledge.org.country)
    if findings:  # the guard comes first, in the terminal too
        labels = ", ".join(dict.fromkeys(f"[{f.label}]" for f in findings))
        err.print(
            f"personal identification numbers removed before checking: {labels}",
            style="yellow",
            markup=False,
        )
    if len(text) > MAX_CHARS:
        err.print(
            f"the text has {len(text)} characters; at most {MAX_CHARS} are checked at a "
            "time – split it up",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    if not text.strip():
        err.print("the text is empty", style="red")
        raise typer.Exit(2)
    language = lang or Understanding(knowledge).language(text, org_knowledge.org.language).lang
    result = WritingCheck(knowledge.glossaries).check(text, language)
    if as_json_:
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return
    Console().print(
        plain_language.render(knowledge, result, language), markup=False, highlight=False
    )


tickets_app = typer.Typer(help="Tickets (on the configured database).", no_args_is_help=True)
app.add_typer(tickets_app, name="tickets")


def _desk(settings: Settings):
    return build_engine(_knowledge(settings), settings).desk


@tickets_app.command("list")
def tickets_list(
    org: OrgOption = None,
    state: Annotated[str | None, typer.Option(help="open, claimed, resolved or cancelled")] = None,
) -> None:
    """List tickets, newest last."""
    desk = _desk(Settings())
    rows = [t for t in desk.tickets(org) if state is None or t.state == state]
    table = Table(box=box.SIMPLE)
    for column in ("id", "priority", "state", "assignee", "created", "subject"):
        table.add_column(column)
    for ticket in rows:
        cells = export.row(ticket)
        table.add_row(cells[0], cells[2], cells[3], cells[6], cells[8], cells[12][:60])
    Console().print(table)
    Console().print(f"{len(rows)} ticket(s)")


@tickets_app.command("show")
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


@tickets_app.command("export")
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


reminders_app = typer.Typer(help="Nudges for the annual goal follow-up.", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")
goals_app = typer.Typer(help="The goal register.", no_args_is_help=True)
app.add_typer(goals_app, name="goals")
YearOption = Annotated[int | None, typer.Option("--year", help="meeting year (default: this year)")]


def _when(value: str | None) -> dt.datetime:
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


@reminders_app.command("preview")
def reminders_preview(org: OrgOption = None, year: YearOption = None) -> None:
    """The computed calendar of nudges (moved off weekends and holidays) and their status."""
    settings = Settings()
    engine = build_engine(_knowledge(settings), settings)
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


@reminders_app.command("run-due")
def reminders_run_due(
    now: Annotated[str | None, typer.Option("--now", help="pretend it is this ISO time")] = None,
) -> None:
    """Send every nudge due now (or at --now) through the outbox; report what was missed."""
    settings = Settings()
    engine = build_engine(_knowledge(settings), settings, clock=FixedClock(_when(now)))
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


@reminders_app.command("scheduler")
def reminders_scheduler(
    interval: Annotated[float, typer.Option(help="seconds between ticks")] = 60.0,
) -> None:
    """Run the scheduler (one leader per database; others wait as standby)."""
    settings = Settings()
    engine = build_engine(_knowledge(settings), settings)
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


@goals_app.command("report")
def goals_report(
    org: OrgOption = None,
    year: YearOption = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV instead of a table")] = False,
) -> None:
    """Goal follow-up per unit: how many goals, and their status."""
    settings = Settings()
    engine = build_engine(_knowledge(settings), settings)
    year = year or dt.date.today().year
    rows = engine.reminders.goals.report(year, org)
    columns = ("org", "leader", "year", "goals", "achieved", "partly", "not_yet", "not_set")
    values = [[getattr(r, c) for c in columns] for r in rows]
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(values)
        return
    table = Table(box=box.SIMPLE, title=f"communication goals {year}")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in values:
        table.add_row(*(str(v) for v in row))
    Console().print(table)


REPORTS = ("questions", "outcomes", "top", "unanswered", "unhelpful", "tickets", "goals", "stale")


@app.command()
def report(
    name: Annotated[str, typer.Argument(help=" | ".join(REPORTS))],
    org: OrgOption = None,
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
    engine = build_engine(_knowledge(settings), settings)
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
    _print_rows(rows, name, as_csv)


def _print_rows(rows: list[dict], title: str, as_csv: bool) -> None:
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["empty"])
        writer.writeheader()
        writer.writerows(rows)
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


@app.command()
def retention(
    days: Annotated[int | None, typer.Option(help="default: KOMBOT_RETENTION_DAYS")] = None,
) -> None:
    """Delete question texts and transcripts older than the retention period (counts stay)."""
    settings = Settings()
    engine = build_engine(_knowledge(settings), settings)
    texts, turns = engine.records.apply_retention(days or settings.retention_days)
    Console().print(
        f"forgot {texts} question text(s) and {turns} transcript line(s) older than "
        f"{days or settings.retention_days} days",
        markup=False,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 3978,
) -> None:
    """Run the server: Slack (/slack/events), Teams (/api/messages), /healthz, /metrics."""
    from aiohttp import web

    from bot.web import ConfigurationError, create_server

    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            err.print(
                f"configuration: {'.'.join(map(str, error['loc']))}: {error['msg']}",
                style="red",
                markup=False,
            )
        raise typer.Exit(2) from None
    except SettingsError as exc:  # e.g. KOMBOT_SLACK_WORKSPACES that is not JSON
        err.print(
            f'configuration: {exc} (mappings are JSON, e.g. \'{{"T0123": "region-nordjylland"}}\')',
            style="red",
            markup=False,
        )
        raise typer.Exit(2) from None
    try:
        server = create_server(settings)
    except ConfigurationError as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    except KnowledgeError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None

    async def run() -> None:
        runner = web.AppRunner(server.app())
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        loop = asyncio.get_running_loop()
        # Few answer threads: each holds the GIL while it matches, and the event loop that
        # acknowledges Slack and Teams must not queue behind many of them (bench/http_load).
        loop.set_default_executor(ThreadPoolExecutor(max_workers=settings.worker_threads))
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGHUP, server.reload)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        socket_mode = None
        if settings.slack_app_token and server.slack is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_mode = AsyncSocketModeHandler(server.slack.app, settings.slack_app_token)
            await socket_mode.connect_async()  # one instance only: Slack picks one socket
        print(
            f"kombot serving on http://{host}:{port} (knowledge {server.engine.knowledge.version})",
            flush=True,
        )
        await stop.wait()
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.cleanup()

    asyncio.run(run())


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
