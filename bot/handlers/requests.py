"""Asking for a person: find the route, show what will be sent and to whom, confirm, file.

The draft is stored under the message's id, so pressing *Send* twice, or Slack delivering
the same click again, files one ticket.
"""

from __future__ import annotations

import datetime as dt

from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply
from bot.tickets import notices, routing
from bot.tickets.desk import SUBJECT_CHARS
from bot.tickets.routing import Route
from bot.understanding.normalise import words

# "ja" typed to a request shown with Send / Cancel sends it; "nej" cancels it.
YES = {
    "ja",
    "ja tak",
    "ja tack",
    "ja takk",
    "jo",
    "jep",
    "gerne",
    "gjerne",
    "gärna",
    "yes",
    "yes please",
    "ok",
    "okay",
    "send",
    "send den",
    "send det",
    "skicka",
    "skicka det",
}
NO = {
    "nej",
    "nei",
    "no",
    "nope",
    "nej tak",
    "nei takk",
    "nej tack",
    "no thanks",
    "annuller",
    "annullér",
    "avbryt",
    "cancel",
    "drop det",
}
CONFIRMATION_WINDOW = dt.timedelta(hours=1)


def on_intent(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    function = function_for(turn, turn.text)
    return start(turn, turn.text, body(turn, turn.text, None), function, intent_id, confidence)


def function_for(turn: Turn, text: str) -> str | None:
    """The expert function whose keywords the text uses (press, patients…), if any."""
    keywords = turn.understanding.function_keywords(turn.org.id, turn.lang)
    terms = set(turn.understanding.analyser.terms(text, turn.lang))
    return routing.function_for_text(keywords, terms)


def ask_adviser(turn: Turn, entry_id: str) -> list[Reply]:
    """After an answer (or none): the ticket carries that question and the bot's answer."""
    entry = turn.entry(entry_id) if entry_id else None
    question, answered = turn.desk.intake.last_exchange(turn.org.id, turn.user)
    subject = question or (turn.title(entry) if entry else turn.msg("ask_adviser"))
    # no entry ("none of these", a fallback): the question's own words choose the function
    function = entry.expert_function if entry else function_for(turn, question or "")
    return start(turn, subject, body(turn, question, answered), function, None, 1.0)


def body(turn: Turn, question: str | None, answered: str | None) -> str:
    lines = [f"{turn.msg('ticket_question')}: {question}"] if question else []
    if answered:
        lines.append(f"{turn.msg('ticket_bot_answer')}: {answered}")
    return "\n".join(lines)


def start(
    turn: Turn,
    subject: str,
    text: str,
    function: str | None,
    intent_id: str | None,
    confidence: float,
) -> list[Reply]:
    subject = subject[:SUBJECT_CHARS]
    route, area = turn.desk.draft_request(
        turn.org, turn.user, turn.message_id, function, subject, text, turn.lang
    )
    if route is None or area is None:  # asked once, remembered, carried on the ticket
        reply = ask_area(turn, "draft_area", turn.message_id)
    else:
        reply = preview(turn, turn.message_id, route, subject)
    reply.kind, reply.intent, reply.confidence = (
        ("intent", intent_id, confidence) if intent_id else ("notice", None, 0.0)
    )
    return [reply]


def ask_area(turn: Turn, then: str, draft: str = "") -> Reply:
    """Which area the asker works in; the choice goes to the action `then`."""
    choices = [
        Choice(turn.local(area.name), Action(then, {"area": area.id, "draft": draft}, turn.lang))
        for area in turn.org.directory.areas
    ]
    return Reply("notice", turn.msg("which_area"), turn.lang, choices=choices)


def preview(turn: Turn, draft_id: str, route: Route, subject: str) -> Reply:
    name = notices.route_name(turn.org, route, turn.lang)
    reason = notices.reason_text(turn.knowledge, turn.org, route, turn.lang)
    choices = [
        Choice(turn.msg("send"), Action("confirm", {"draft": draft_id}, turn.lang)),
        Choice(turn.msg("cancel"), Action("drop", {"draft": draft_id}, turn.lang)),
    ]
    return Reply(
        "notice",
        turn.msg("preview", name=name, reason=reason, subject=subject),
        turn.lang,
        choices=choices,
    )


def on_area(turn: Turn, action: Action) -> list[Reply]:
    draft_id, area_id = action.arg("draft"), action.arg("area")
    draft = turn.desk.intake.draft(draft_id)
    if draft is None or draft.requester != turn.user or turn.org.directory.area(area_id) is None:
        return [Reply("notice", turn.msg("draft_missing"), turn.lang)]
    turn.desk.intake.remember_area(turn.org.id, turn.user, area_id)
    route = routing.route(
        turn.org.directory,
        crisis=False,
        function=draft.route.get("function"),
        area=area_id,
        today=turn.desk.clock.now().date(),
    )
    turn.desk.intake.set_draft_route(draft_id, route)
    return [preview(turn, draft_id, route, draft.subject)]


def on_confirm(turn: Turn, action: Action) -> list[Reply]:
    draft = turn.desk.intake.draft(action.arg("draft"))
    if draft is None or draft.requester != turn.user or not draft.route:
        return [Reply("notice", turn.msg("draft_missing"), turn.lang)]
    route = Route.from_dict(draft.route)
    ticket, _ = turn.desk.file(
        turn.org, draft.requester, draft.id, route, draft.subject, draft.body, draft.language
    )
    name = notices.route_name(turn.org, route, turn.lang)
    return [Reply("notice", turn.msg("ticket_filed", ticket=ticket.human_id, name=name), turn.lang)]


def on_drop(turn: Turn, action: Action) -> list[Reply]:
    draft = turn.desk.intake.draft(action.arg("draft"))
    if draft is not None and draft.requester == turn.user:
        turn.desk.intake.drop_draft(draft.id)
    return [Reply("notice", turn.msg("draft_cancelled"), turn.lang)]


def typed_confirmation(turn: Turn) -> list[Reply] | None:
    """A yes or no typed, instead of pressed, to the request awaiting confirmation."""
    said = " ".join(words(turn.text))
    if said not in YES and said not in NO:
        return None
    draft = turn.desk.intake.awaiting_confirmation(turn.org.id, turn.user, CONFIRMATION_WINDOW)
    if draft is None:
        return None
    if said in YES:
        return on_confirm(turn, Action("confirm", {"draft": draft.id}, turn.lang))
    return on_drop(turn, Action("drop", {"draft": draft.id}, turn.lang))


def on_adviser(turn: Turn, action: Action) -> list[Reply]:
    return ask_adviser(turn, action.args.get("entry", ""))


ACTIONS = {"adviser": on_adviser, "draft_area": on_area, "confirm": on_confirm, "drop": on_drop}

INTENTS = {"route_request": on_intent}
