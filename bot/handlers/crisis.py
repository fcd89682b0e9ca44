"""An acute press situation: the first steps from the policy at once, and an urgent ticket
to the on-duty press officer, who is reached before anyone has to confirm anything."""

from __future__ import annotations

from bot.handlers import intent_reply
from bot.handlers.turn import Turn
from bot.replies import Reply
from bot.tickets import notices, routing

FIRST_STEPS = ("crisis.press_preparedness_group",)
SUBJECT_CHARS = 300


def handle(turn: Turn, intent_id: str, confidence: float) -> list[Reply]:
    [reply] = intent_reply.handle(turn, intent_id, confidence)
    parts = [reply.text]
    sources = []
    for entry_id in FIRST_STEPS:
        entry = turn.entry(entry_id)
        if entry is not None:
            parts.append(f"{turn.title(entry)}\n{entry.answer[turn.entry_lang(entry)]}")
            sources.extend(source.name for source in entry.source)
    parts.append(_alert(turn))
    reply.text = "\n\n".join(parts)
    reply.source = "; ".join(dict.fromkeys(sources)) or None
    return [reply]


def _alert(turn: Turn) -> str:
    desk, org = turn.desk, turn.org
    route = routing.route(
        org.directory,
        crisis=True,
        function=None,
        area=desk.intake.area_of(org, turn.user),
        today=desk.clock.now().date(),
    )
    transcript = desk.intake.transcript(org.id, turn.user, turn.text)
    ticket, _ = desk.file(
        org, turn.user, turn.message_id, route, turn.text[:SUBJECT_CHARS], transcript, turn.lang
    )
    return turn.msg(
        "crisis_alerted",
        name=notices.person_name(org, route.assignee),
        ticket=ticket.human_id,
        minutes=desk.urgent_minutes,
        backup=notices.person_name(org, org.directory.on_duty.backup),
    )


INTENTS = {"crisis": handle}
