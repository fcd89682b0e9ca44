"""An acute press situation: an urgent ticket to this week's on-duty press officer at once
(nobody has to confirm anything), then one message: who has been paged and how to reach
them now, and the three things to do while waiting. The press-preparedness answer is a
button, not a wall of text."""

from __future__ import annotations

from bot.handlers import answer
from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply
from bot.tickets import notices

PREPAREDNESS = "crisis.press_preparedness_group"


def handle(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    org = turn.org
    ticket, route = turn.desk.file_crisis(org, turn.user, turn.message_id, turn.text, turn.lang)
    officer = org.directory.person(route.assignee)
    name = notices.person_name(org, route.assignee)
    reach = (
        turn.msg("crisis_reach_phone", name=name, phone=officer.phone)
        if officer is not None and officer.phone
        else turn.msg("crisis_reach_chat", name=name)
    )
    alerted = turn.msg(
        "crisis_alerted",
        name=name,
        role=turn.local(org.directory.on_duty.name),
        ticket=ticket.human_id,
        reach=reach,
        minutes=turn.desk.urgent_minutes,
        backup=notices.person_name(org, org.directory.on_duty.backup),
    )
    meanwhile = turn.knowledge.intents[intent_id].reply[turn.lang]
    choices, source = [], None
    preparedness = turn.entry(PREPAREDNESS)
    if preparedness is not None:
        choices.append(
            Choice(turn.title(preparedness), Action("entry", {"entry": PREPAREDNESS}, turn.lang))
        )
        source = answer.cited(turn, preparedness) or None
    return [
        Reply(
            "intent",
            f"{alerted}\n\n{meanwhile}",
            turn.lang,
            intent=intent_id,
            confidence=confidence,
            choices=choices,
            source=source,
        )
    ]


INTENTS = {"crisis": handle}
