"""The `kombot` command: each group of subcommands lives in `bot/commands/`."""

from __future__ import annotations

import logging

import typer

from bot.commands import (
    conversation,
    dashboard,
    inbox,
    kb,
    reminders,
    reports,
    serve,
    tickets,
    writing,
)

app = typer.Typer(
    help="kombot: communication-policy assistant.", no_args_is_help=True, add_completion=False
)
kb_app = typer.Typer(help="Work with the knowledge base.", no_args_is_help=True)
tickets_app = typer.Typer(help="Tickets (on the configured database).", no_args_is_help=True)
reminders_app = typer.Typer(help="Nudges for the annual goal follow-up.", no_args_is_help=True)
goals_app = typer.Typer(help="The goal register.", no_args_is_help=True)
inbox_app = typer.Typer(
    help="Messages the server acknowledged but could not answer.", no_args_is_help=True
)
dashboard_app = typer.Typer(help="The web dashboard of `kombot serve`.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(tickets_app, name="tickets")
app.add_typer(reminders_app, name="reminders")
app.add_typer(goals_app, name="goals")
app.add_typer(inbox_app, name="inbox")
app.add_typer(dashboard_app, name="dashboard")

app.command()(conversation.chat)
app.command()(conversation.ask)
app.command("eval")(conversation.evaluate)
app.command()(writing.check)
app.command()(reports.report)
app.command()(reports.retention)
app.command()(serve.serve)
app.command()(serve.worker)
kb_app.command("check")(kb.kb_check)
kb_app.command("reload")(kb.kb_reload)
tickets_app.command("list")(tickets.tickets_list)
tickets_app.command("show")(tickets.tickets_show)
tickets_app.command("export")(tickets.tickets_export)
reminders_app.command("preview")(reminders.reminders_preview)
reminders_app.command("run-due")(reminders.reminders_run_due)
reminders_app.command("scheduler")(reminders.reminders_scheduler)
goals_app.command("report")(reminders.goals_report)
inbox_app.command("dead")(inbox.inbox_dead)
inbox_app.command("retry")(inbox.inbox_retry)
dashboard_app.command("link")(dashboard.dashboard_link)
dashboard_app.command("sample")(dashboard.dashboard_sample)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
