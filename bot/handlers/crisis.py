"""An acute press situation: an urgent ticket to this week's on-duty press officer at once
(nobody has to confirm anything), then one message: who has been paged and how to reach
them now, and the three things to do while waiting. The press-preparedness answer is a
button, not a wall of text, and so is "not urgent – cancel the alert": a story that only
mentions the press (a reporter in the car park yesterday) can read as a crisis, and the
person who raised it undoes it with one press, the press officer told (`Desk.cancel`).
An answer about the press officer or a journalist's call has a
button that raises its question as a crisis (`RAISES_CRISIS`), for when the model read an
acute situation as that question."""

from __future__ import annotations

from bot.handlers import answer
from bot.handlers.turn import Turn
from bot.replies import Action, Choice, Reply, UnreadableAction
from bot.tickets import notices

INTENT = "crisis"
PREPAREDNESS = "crisis.press_preparedness_group"


def handle(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    return _raise(turn, turn.message_id, turn.text, confidence)


def on_button(turn: Turn, action: Action) -> list[Reply]:
    """The question the answer was given to, raised as a crisis; pressed twice, one ticket."""
    question_id = action.arg("question")
    if not question_id:
        raise UnreadableAction("crisis without its question")
    question = turn.records.question(org=turn.org.id, user=turn.user, message_id=question_id)
    if question is None:  # held a personal number (not kept) or was never recorded
        question = turn.desk.intake.last_exchange(turn.org.id, turn.user)[0]
    return _raise(turn, f"raised:{question_id}", question or turn.msg("raise_crisis"), 1.0)


def _raise(turn: Turn, source_id: str, text: str, confidence: float) -> list[Reply]:
    org = turn.org
    ticket, route = turn.desk.file_crisis(org, turn.user, source_id, text, turn.lang)
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
    meanwhile = turn.knowledge.intents[INTENT].reply[turn.lang]
    choices, source = [], None
    preparedness = turn.entry(PREPAREDNESS)
    if preparedness is not None:
        choices.append(
            Choice(turn.title(preparedness), Action("entry", {"entry": PREPAREDNESS}, turn.lang))
        )
        source = answer.cited(turn, preparedness) or None
    not_acute = Action("cancel_ticket", {"ticket": ticket.human_id}, turn.lang)
    choices.append(Choice(turn.msg("crisis_not_acute"), not_acute))
    return [
        Reply(
            "intent",
            f"{alerted}\n\n{meanwhile}",
            turn.lang,
            intent=INTENT,
            confidence=confidence,
            choices=choices,
            source=source,
        )
    ]


INTENTS = {INTENT: handle}
ACTIONS = {"crisis": on_button}
