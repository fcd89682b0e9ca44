"""What a handler gets: the request (who, which org, in what language, the text) and the
services it may use, built once per knowledge version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.analytics.records import Records
from bot.knowledge.loader import Knowledge, OrgKnowledge
from bot.knowledge.models import Entry
from bot.languages import Lang
from bot.reminders.nudges import Reminders
from bot.replies import Incoming
from bot.tickets.desk import Desk
from bot.understanding.understand import Understanding
from bot.writing.check import WritingCheck


@dataclass(frozen=True)
class Services:
    knowledge: Knowledge
    desk: Desk
    understanding: Understanding
    reminders: Reminders
    writing: WritingCheck
    records: Records
    public_url: str = "http://127.0.0.1:3978"  # where the dashboard's sign-in links point


@dataclass(frozen=True)
class Turn:
    services: Services
    org: OrgKnowledge
    lang: Lang  # the language of the question (or of the button pressed)
    text: str  # already redacted by the confidentiality guard
    incoming: Incoming
    message_id: str  # the channel's id for this message, or one made up for it

    @property
    def user(self) -> str:
        return self.incoming.user

    @property
    def knowledge(self) -> Knowledge:
        return self.services.knowledge

    @property
    def desk(self) -> Desk:
        return self.services.desk

    @property
    def understanding(self) -> Understanding:
        return self.services.understanding

    @property
    def reminders(self) -> Reminders:
        return self.services.reminders

    @property
    def writing(self) -> WritingCheck:
        return self.services.writing

    @property
    def records(self) -> Records:
        return self.services.records

    @property
    def department(self) -> str:
        names = self.org.org.comms_department
        return names.get(self.lang) or names.get(self.org.org.language) or names["en"]

    def msg(self, key: str, **values: Any) -> str:
        return self.knowledge.message(key, self.lang, department=self.department, **values)

    def entry(self, entry_id: str) -> Entry | None:
        return self.org.entries.get(entry_id)

    def entry_lang(self, entry: Entry) -> Lang:
        """The asker's language when the entry has it, else the org's, else English."""
        for lang in (self.lang, self.org.org.language, "en"):
            if lang in entry.answer:
                return lang
        return entry.languages()[0]

    def title(self, entry: Entry) -> str:
        return entry.title.get(self.lang) or entry.title[self.entry_lang(entry)]

    def local(self, texts: dict) -> str:
        """A name given per language (areas, functions) in the asker's language."""
        org_lang = self.org.org.language
        return (
            texts.get(self.lang)
            or texts.get(org_lang)
            or texts.get("en")
            or next(iter(texts.values()))
        )
