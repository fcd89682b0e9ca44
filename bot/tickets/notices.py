"""What people are told about tickets, in their own language: names, routes, reasons, and
the notifications queued in the outbox (the same transaction as the change they announce)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.knowledge.loader import Knowledge, OrgKnowledge
from bot.languages import Lang
from bot.replies import Action
from bot.storage.models import Ticket, TicketEvent
from bot.storage.outbox import enqueue
from bot.tickets.routing import Route

ADVISER_BUTTONS = ("claim", "resolve", "reassign")


def person_name(org: OrgKnowledge, email: str | None) -> str:
    if email is None:
        return "–"
    person = org.directory.person(email)
    return person.name if person else email


def local(texts: dict, lang: Lang, org: OrgKnowledge) -> str:
    """A name given per language, in `lang`, else the org's language, else English."""
    return (
        texts.get(lang)
        or texts.get(org.org.language)
        or texts.get("en")
        or next(iter(texts.values()))
    )


def route_name(org: OrgKnowledge, route: Route, lang: Lang) -> str:
    if route.assignee:
        return person_name(org, route.assignee)
    function = org.directory.function(route.function or "")
    return local(function.name, lang, org) if function else org.org.name


def reason_text(knowledge: Knowledge, org: OrgKnowledge, route: Route, lang: Lang) -> str:
    """Why a request goes where it goes, in words the asker reads."""
    if route.kind == "on_duty":
        return knowledge.message("route_on_duty", lang)
    if route.kind == "function":  # "to Press and media, because this is the work they do"
        return knowledge.message("route_function", lang)
    area = org.directory.area(route.area or "")
    return knowledge.message(
        "route_contact",
        lang,
        name=person_name(org, route.assignee),
        area=local(area.name, lang, org) if area else "–",
    )


def language_of(org: OrgKnowledge, email: str) -> Lang:
    person = org.directory.person(email)
    return person.language if person and person.language else org.org.language


def notify(
    knowledge: Knowledge,
    session: Session,
    org: OrgKnowledge,
    ticket: Ticket,
    recipient: str,
    key: str,
    now: dt.datetime,
    buttons: bool = False,
    **values,
) -> None:
    """Queue one message about `ticket`; advisers get Claim / Resolve / Reassign. The
    requester is written to in the language of their request, which may not be the
    directory's (an English-speaking doctor in a Danish region)."""
    if recipient == ticket.requester and ticket.language:
        lang = ticket.language
    else:
        lang = language_of(org, recipient)
    text = knowledge.message(key, lang, ticket=ticket.human_id, **values)
    if ticket.priority == "urgent" and buttons:
        text = knowledge.message("urgent_prefix", lang) + text
    choices = (
        [
            {
                "label": knowledge.message(name, lang),
                "action": Action(name, {"ticket": ticket.human_id}, lang).as_dict(),
            }
            for name in ADVISER_BUTTONS
        ]
        if buttons
        else []
    )
    last_event = session.scalar(
        select(TicketEvent.id)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    enqueue(
        session,
        key=f"ticket:{ticket.human_id}:{last_event}:{key}:{recipient}",
        org=org.id,
        recipient=recipient,
        payload={"text": text, "choices": choices, "language": lang, "ticket": ticket.human_id},
        now=now,
    )


def notify_new(
    knowledge: Knowledge,
    session: Session,
    org: OrgKnowledge,
    ticket: Ticket,
    recipient: str,
    now: dt.datetime,
) -> None:
    """A new (or passed-on) ticket for an adviser, with who asked, from where and why."""
    lang = language_of(org, recipient)
    route = Route(
        ticket.reason, ticket.assignee, ticket.function, ticket.priority, ticket.requester_area
    )
    area = org.directory.area(ticket.requester_area or "")
    notify(
        knowledge,
        session,
        org,
        ticket,
        recipient,
        "new_ticket",
        now,
        buttons=True,
        requester=person_name(org, ticket.requester),
        area=local(area.name, lang, org) if area else "–",
        subject=ticket.subject,
        reason=reason_text(knowledge, org, route, lang),
    )
