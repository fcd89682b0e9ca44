"""A leader's goals in chat: list, add, set status; snooze, done, opt out of nudges."""

from __future__ import annotations

import re

from bot.dates import written
from bot.directory.models import Leader
from bot.handlers.turn import Turn
from bot.reminders import calendar
from bot.replies import Action, Choice, Reply, UnreadableAction

_ADD = re.compile(
    r"^(?:tilf(?:ø|oe|o)j|add|l(?:ä|ae|a)gg till?|legg til|opret|skapa|opprett|create)"
    r"(?: et| ett| a)?(?: nyt| nytt| new)?\s+(?:\w+)?(?:m(?:å|aa|a)l|goal)"
    r"\s*[:\-–]\s*(?P<text>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_STATUS = re.compile(
    r"(?:m(?:å|aa|a)l|goal)\s*(?:nr\.?\s*|#)?(?P<number>\d+)\s+(?:(?:till|til|to|som|as)\s+)?"
    r"(?P<status>[^:;\-–]+?)\s*(?:[:;\-–]\s*(?P<comment>.+))?$",
    re.IGNORECASE | re.DOTALL,
)
STATUS_WORDS = {
    "achieved": (
        "opnået",
        "opnaaet",
        "nået",
        "uppnått",
        "uppnaatt",
        "uppnatt",
        "oppnådd",
        "oppnaadd",
        "nådd",
        "achieved",
        "done",
        "reached",
        "færdig",
        "klar",
        "ferdig",
    ),
    "partly": ("delvist", "delvis", "partly", "partially", "halvvejs", "halvveis"),
    "not_yet": (
        "endnu ikke",
        "ikke endnu",
        "inte än",
        "inte aen",
        "inte ännu",
        "ikke ennå",
        "ikke ennaa",
        "not yet",
        "nej",
        "nei",
        "nej inte",
        "no",
    ),
}
_SNOOZE = re.compile(
    r"^(?:snooz|udskyd|uds(?:æ|ae)t|skjut upp|utsett|postpone|delay)", re.IGNORECASE
)
_ON = re.compile(
    r"^(?:p(?:å|aa)mindelser til|p(?:å|aa|a)minnelser p(?:å|aa|a)|reminders on)", re.IGNORECASE
)


def on_intent(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    [reply] = _respond(turn)
    reply.kind, reply.intent, reply.confidence = "intent", intent_id, confidence
    return [reply]


def _respond(turn: Turn) -> list[Reply]:
    leader = turn.org.directory.leader(turn.user)
    if leader is None:
        return [Reply("notice", turn.msg("not_a_leader"), turn.lang)]
    year = leader.dialogue_meeting.year
    text = turn.text.strip()
    register = turn.reminders.goals
    if match := _ADD.match(text):
        goal = register.add(turn.org.id, leader.email, year, match["text"].strip(), turn.user)
        turn.reminders.answered(turn.org.id, leader.email, year)
        return [
            Reply("notice", turn.msg("goal_added", number=goal.number, text=goal.text), turn.lang)
        ]
    if (match := _STATUS.search(text)) and (status := _status(match["status"])):
        number = int(match["number"])
        goal = register.set_status(
            turn.org.id,
            leader.email,
            year,
            number,
            status,
            (match["comment"] or "").strip(),
            turn.user,
        )
        if goal is None:
            return [
                Reply("notice", turn.msg("goal_not_found", number=number, year=year), turn.lang)
            ]
        turn.reminders.answered(turn.org.id, leader.email, year)
        return [
            Reply(
                "notice",
                turn.msg("goal_status_set", number=number, status=turn.msg(f"goal_{status}")),
                turn.lang,
            )
        ]
    if _SNOOZE.match(text):
        return on_action(turn, Action("snooze", {"year": str(year)}, turn.lang))
    if _ON.match(text):
        turn.reminders.set_preference(turn.org.id, leader.email, opted_out=False)
        return [Reply("notice", turn.msg("opted_in"), turn.lang)]
    return [listing(turn, leader, year)]


def listing(turn: Turn, leader: Leader, year: int) -> Reply:
    goals = turn.reminders.goals.goals(turn.org.id, leader.email, year)
    lines = [
        turn.msg(
            "goals_header",
            unit=turn.local(leader.unit),
            year=year,
            meeting=written(calendar.meeting_in(leader, year), turn.lang),
        )
    ]
    lines += [
        f"{g.number}. {g.text} ({turn.msg('goal_' + g.status)})"
        + (f" – {g.comment}" if g.comment else "")
        for g in goals
    ]
    if not goals:
        lines.append(turn.msg("no_goals_yet"))
    lines.append(turn.msg("goals_how"))
    return Reply("notice", "\n".join(lines), turn.lang)


def on_action(turn: Turn, action: Action) -> list[Reply]:
    """The buttons under a nudge: my goals, remind me in a week, done, stop reminders."""
    leader = turn.org.directory.leader(turn.user)
    if leader is None:
        return [Reply("notice", turn.msg("not_a_leader"), turn.lang)]
    given = action.args.get("year", "")
    year = int(given) if given.isdigit() else leader.dialogue_meeting.year
    reminders = turn.reminders
    if action.name == "goals_show":
        reminders.answered(turn.org.id, leader.email, year)
        return [listing(turn, leader, year)]
    if action.name == "snooze":
        until = reminders.snooze(turn.org.id, leader.email, year)
        return [
            Reply(
                "notice",
                turn.msg("snoozed_until", date=written(until.date(), turn.lang)),
                turn.lang,
            )
        ]
    if action.name == "goals_done":
        reminders.answered(turn.org.id, leader.email, year)
        reminders.set_preference(turn.org.id, leader.email, done_year=year)
        return [Reply("notice", turn.msg("done_for_year", year=year), turn.lang)]
    reminders.set_preference(turn.org.id, leader.email, opted_out=True)
    return [
        Reply(
            "notice",
            turn.msg("opted_out"),
            turn.lang,
            choices=[
                Choice(turn.msg("goals_show"), Action("goals_show", {"year": str(year)}, turn.lang))
            ],
        )
    ]


def _status(words: str) -> str | None:
    words = words.strip().casefold().rstrip(".!")
    for status, names in STATUS_WORDS.items():
        if words in names:
            return status
    return None


def on_remove(turn: Turn, action: Action) -> list[Reply]:
    """'slet mål 2': the goal leaves the list (its history stays in the register)."""
    leader = turn.org.directory.leader(turn.user)
    if leader is None:
        return [Reply("notice", turn.msg("not_a_leader"), turn.lang)]
    year = leader.dialogue_meeting.year
    given = str(action.args.get("number", ""))
    if not given.isdigit():
        raise UnreadableAction(f"remove_goal without a number: {given!r}")
    number = int(given)
    if turn.reminders.goals.remove(turn.org.id, leader.email, year, number, turn.user) is None:
        return [Reply("notice", turn.msg("goal_not_found", number=number, year=year), turn.lang)]
    removed = Reply("notice", turn.msg("goal_removed", number=number), turn.lang)
    return [removed, listing(turn, leader, year)]


ACTIONS = {
    **dict.fromkeys(("goals_show", "snooze", "goals_done", "opt_out"), on_action),
    "remove_goal": on_remove,
}

INTENTS = {"goals": on_intent}
