"""The channel-neutral core: `Incoming` -> `Engine.handle()` -> `list[Reply]`.

Order matters: the confidentiality guard runs before anything else sees the text, so
no personal number reaches a handler, a log line or storage.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from bot.analytics.records import Records
from bot.handlers import (
    actions,
    answer,
    contact,
    crisis,
    feedback,
    goals,
    greeting,
    intent_reply,
    plain_language,
    requests,
    tickets,
)
from bot.handlers.turn import Services, Turn
from bot.handlers.typed import typed_action
from bot.knowledge.loader import Knowledge
from bot.privacy import personal_numbers
from bot.reminders.nudges import Reminders
from bot.replies import Incoming, Reply
from bot.tickets.desk import Desk
from bot.understanding.cache import ModelCache
from bot.understanding.decide import ANSWER_AT, OUT_OF_SCOPE
from bot.understanding.normalise import clean, has_letters
from bot.understanding.understand import Understanding
from bot.writing.check import MAX_CHARS, WritingCheck

log = logging.getLogger("kombot.engine")

IntentHandler = Callable[[Turn, str, float], list[Reply]]
INTENT_HANDLERS: dict[str, IntentHandler] = {  # each module declares the intents it takes
    **crisis.INTENTS,
    **feedback.INTENTS,
    **requests.INTENTS,
    **contact.INTENTS,
    **tickets.INTENTS,
    **goals.INTENTS,
    **greeting.INTENTS,
    **plain_language.INTENTS,
}


class Engine:
    def __init__(
        self,
        knowledge: Knowledge,
        desk: Desk,
        reminders: Reminders,
        records: Records,
        max_message_chars: int = 4000,
        model_cache: ModelCache | None = None,
        public_url: str = "http://127.0.0.1:3978",
    ):
        self.knowledge = knowledge
        self.desk = desk
        self.reminders = reminders
        self.records = records
        self.understanding = Understanding(knowledge, model_cache)
        self.writing = WritingCheck(knowledge.glossaries)
        self.services = Services(
            knowledge, desk, self.understanding, reminders, self.writing, records, public_url
        )
        self.max_message_chars = max_message_chars
        self.reload: Callable[[Turn], Reply] | None = None  # set by the server

    def warm(self, org_id: str) -> None:
        """Load (or train) the org's model now rather than on its first question."""
        self.understanding.model(org_id)

    def handle(self, incoming: Incoming) -> list[Reply]:
        """The replies to one message or button press. A message delivered again is
        recognised before this, by its key in the inbox (`bot.storage.inbox`)."""
        org = self.knowledge.org(incoming.org)
        message_id = incoming.message_id or uuid.uuid4().hex
        text, findings = personal_numbers.redact(clean(incoming.text), org.org.country)
        prefer = incoming.locale or org.org.language
        detected = self.understanding.language(text, prefer) if has_letters(text) else None
        lang = (
            incoming.action.lang
            if incoming.action and incoming.action.lang
            else (detected.lang if detected else prefer)
        )
        turn = Turn(self.services, org, lang, text, incoming, message_id)
        replies: list[Reply] = []
        if findings:
            kinds = ", ".join(dict.fromkeys(f"[{f.label}]" for f in findings))
            replies.append(Reply("notice", turn.msg("personal_number_warning", kinds=kinds), lang))
        replies += self._respond(turn, detected)
        main = next((r for r in replies if r.kind != "notice"), replies[-1])
        if incoming.action is None and text:
            self.records.exchange(
                message_id=message_id,
                org=org.id,
                channel=incoming.channel,
                user=incoming.user,
                question=text,
                reply=main,
                keep_text=not findings,
            )
        log.info(
            "handled org=%s channel=%s kind=%s entry=%s intent=%s lang=%s confidence=%.2f "
            "redacted=%d",
            org.id,
            incoming.channel,
            main.kind,
            main.entry,
            main.intent,
            main.language,
            main.confidence,
            len(findings),
        )
        return replies

    def _respond(self, turn: Turn, detected) -> list[Reply]:
        if self.reload is not None and _is_reload(turn):
            return [self.reload(turn)]
        if turn.incoming.action is not None:
            return actions.handle(turn, turn.incoming.action)
        if (typed := typed_action(turn.text)) is not None:  # a button's label, typed
            return actions.handle(turn, typed)
        if (confirmed := requests.typed_confirmation(turn)) is not None:
            return confirmed
        limit = self.max_message_chars
        if self.understanding.pattern_intent(turn.text) == "plain_language":
            limit = max(limit, MAX_CHARS)  # a draft to check may be longer than a question
        if len(turn.text) > limit and plain_language.awaited(turn):
            return plain_language.check(turn, turn.text)
        if len(turn.text) > limit:
            text = turn.msg("too_long", length=len(turn.text), limit=limit)
            return [Reply("fallback", text, turn.lang)]
        if detected is None:
            return [Reply("fallback", turn.msg("empty_message"), turn.lang)]
        if detected.is_foreign(turn.text, self.understanding.second_opinion.in_another_language):
            # whoever writes in another language reads English sooner than Danish
            return [Reply("fallback", self.knowledge.message("unsupported_language", "en"), "en")]
        decision = self.understanding.understand(turn.text, turn.org.id)
        # Asked for a text, this is it, unless it is short and surely something else (a
        # crisis is taken from a lower probability than that, and a draft can read like one).
        sure = decision.kind in ("answer", "intent") and decision.confidence >= ANSWER_AT
        if plain_language.is_draft(turn.text, sure) and plain_language.awaited(turn):
            acute = decision.kind == "intent" and decision.target.id == "crisis"
            return plain_language.check(turn, turn.text, acute=acute)
        if decision.kind == "intent":
            handler = INTENT_HANDLERS.get(decision.target.id, intent_reply.handle)
            return handler(turn, decision.target.id, decision.confidence)
        if decision.kind == "answer":
            entry = turn.entry(decision.target.id)
            return [answer.answer(turn, entry, decision.confidence, decision.maybe_crisis)]
        if decision.kind == "suggestions":
            return [
                answer.suggestions(
                    turn, decision.suggestions, decision.confidence, decision.maybe_crisis
                )
            ]
        return [
            answer.fallback(
                turn, decision.confidence, decision.target == OUT_OF_SCOPE, decision.maybe_crisis
            )
        ]


RELOAD_COMMANDS = {
    "reload knowledge",
    "genindlæs viden",
    "ladda om kunskapen",
    "last inn kunnskapen på nytt",
    "kb reload",
}


def _is_reload(turn: Turn) -> bool:
    """An admin's chat command to reload the knowledge without a restart."""
    return (
        turn.incoming.action is None
        and turn.text.strip().casefold() in RELOAD_COMMANDS
        and turn.user in turn.org.directory.admins()
    )
