"""Who is my contact person: from the directory, asking the area once if unknown."""

from __future__ import annotations

from bot.handlers.requests import ask_area
from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply


def on_intent(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    area = turn.desk.intake.area_of(turn.org, turn.user)
    reply = tell(turn, area) if area else ask_area(turn, "contact_area")
    reply.kind, reply.intent, reply.confidence = "intent", intent_id, confidence
    return [reply]


def on_area(turn: Turn, action: Action) -> list[Reply]:
    area_id = action.arg("area")
    if turn.org.directory.area(area_id) is None:
        return [Reply("notice", turn.msg("draft_missing"), turn.lang)]
    turn.desk.intake.remember_area(turn.org.id, turn.user, area_id)
    return [tell(turn, area_id)]


def tell(turn: Turn, area_id: str) -> Reply:
    directory = turn.org.directory
    area = directory.area(area_id)
    person = directory.person(area.contact_person)
    covered = [turn.local(a.name) for a in directory.areas if a.contact_person == person.email]
    text = turn.msg(
        "contact_is", name=person.name, title=person.title or "–", areas=", ".join(covered)
    )
    return Reply(
        "notice",
        text,
        turn.lang,
        choices=[Choice(turn.msg("ask_adviser"), Action("adviser", {}, turn.lang))],
    )


ACTIONS = {"contact_area": on_area}

INTENTS = {"contact": on_intent}
