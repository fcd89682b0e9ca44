"""My requests and my queue, and what advisers do with a ticket: claim, resolve, reassign."""

from __future__ import annotations

from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply
from bot.storage.models import Ticket
from bot.tickets import notices

ADVISER_ACTIONS = ("claim", "resolve", "reassign")


def on_intent(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    mine = turn.desk.requests_of(turn.org.id, turn.user)
    queue = turn.desk.queue_of(turn.org, turn.user)
    lines, choices = [], []
    if mine:
        lines.append(turn.msg("my_requests"))
        lines += [_line(turn, t) for t in mine]
        choices += [
            Choice(
                f"{turn.msg('cancel')} {t.human_id}",
                Action("cancel_ticket", {"ticket": t.human_id}, turn.lang),
            )
            for t in mine
        ]
    if queue:
        lines.append(turn.msg("my_queue"))
        lines += [_line(turn, t) for t in queue]
        choices += [
            Choice(t.human_id, Action("show", {"ticket": t.human_id}, turn.lang)) for t in queue
        ]
    text = "\n".join(lines) if lines else turn.msg("no_tickets")
    return [
        Reply("intent", text, turn.lang, intent=intent_id, confidence=confidence, choices=choices)
    ]


def _line(turn: Turn, ticket: Ticket) -> str:
    urgent = turn.msg("urgent_prefix") if ticket.priority == "urgent" else ""
    return (
        f"• {urgent}{ticket.human_id} · {turn.msg('state_' + ticket.state)} · "
        f"{notices.person_name(turn.org, ticket.assignee)} · {ticket.subject[:80]}"
    )


def show(turn: Turn, action: Action) -> list[Reply]:
    human_id = action.arg("ticket")
    outcome = turn.desk.show(turn.org, human_id, turn.user)
    if not outcome.ok:
        return [_said(turn, outcome.key, outcome.values, human_id)]
    ticket = outcome.ticket
    text = "\n".join([_line(turn, ticket), ticket.body or ticket.subject])
    choices = (
        [
            Choice(turn.msg(name), Action(name, {"ticket": ticket.human_id}, turn.lang))
            for name in ADVISER_ACTIONS
        ]
        if ticket.state in ("open", "claimed")
        else []
    )
    return [Reply("notice", text, turn.lang, choices=choices)]


def reassign(turn: Turn, action: Action) -> list[Reply]:
    return [_choose_assignee(turn, action.arg("ticket"))]


def reassign_to(turn: Turn, action: Action) -> list[Reply]:
    human_id = action.arg("ticket")
    outcome = turn.desk.reassign(turn.org, human_id, turn.user, action.arg("to"))
    return [_said(turn, outcome.key, outcome.values, human_id)]


def _change(verb: str):
    def change(turn: Turn, action: Action) -> list[Reply]:
        human_id = action.arg("ticket")
        outcome = getattr(turn.desk, verb)(turn.org, human_id, turn.user)
        return [_said(turn, outcome.key, outcome.values, human_id)]

    return change


def mine(turn: Turn, action: Action) -> list[Reply]:
    """Slack App Home: not a question, never recorded as one."""
    return on_intent(turn, "tickets", 1.0)


def _said(turn: Turn, key: str, values: dict, human_id: str) -> Reply:
    if "state" in values:
        values = {**values, "state": turn.msg(f"state_{values['state']}")}
    return Reply("notice", turn.msg(key, **{"ticket": human_id, **values}), turn.lang)


def _choose_assignee(turn: Turn, human_id: str) -> Reply:
    directory = turn.org.directory
    advisers = dict.fromkeys(
        [a.contact_person for a in directory.areas]
        + [m for f in directory.functions for m in f.members]
    )
    choices = [
        Choice(
            notices.person_name(turn.org, email),
            Action("reassign_to", {"ticket": human_id, "to": email}, turn.lang),
        )
        for email in advisers
        if email != turn.user
    ]
    return Reply(
        "notice", turn.msg("reassign_to_whom", ticket=human_id), turn.lang, choices=choices
    )


ACTIONS = {
    "my_tickets": mine,
    "show": show,
    "reassign": reassign,
    "reassign_to": reassign_to,
    "claim": _change("claim"),
    "resolve": _change("resolve"),
    "cancel_ticket": _change("cancel"),
}

INTENTS = {"tickets": on_intent}
