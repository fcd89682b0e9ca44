"""Typed models of what communication staff edit: entries, intents, orgs, messages.

Validation happens here (pydantic); the loader turns a `ValidationError` into
messages with file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.languages import LANGS, Lang

ExpertFunction = Literal[
    "brand", "media", "ehealth", "internal", "patients", "production", "journalism", "crisis"
]
IntentId = Literal[
    "crisis",
    "route_request",
    "contact",
    "plain_language",
    "goals",
    "tickets",
    "greeting",
    "help",
    "feedback",
    "out_of_scope",
]
ENTRY_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
SEEDS = {"000", "001", "002", "003", "004"}
MIN_EXAMPLES = 5

LangText = dict[Lang, str]
LangList = dict[Lang, list[str]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _non_empty_texts(value: dict) -> dict:
    for lang, text in value.items():
        if isinstance(text, str) and not text.strip():
            raise ValueError(f"empty text for language '{lang}'")
    return value


class Source(Strict):
    name: str = Field(min_length=3)
    seed: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _traceable(self) -> Source:
        if self.seed is None and self.url is None:
            raise ValueError("a source needs a seed or a url")
        if self.seed is not None and self.seed not in SEEDS:
            raise ValueError(f"unknown seed '{self.seed}' (known: {', '.join(sorted(SEEDS))})")
        if self.url is not None and not self.url.startswith(("https://", "http://")):
            raise ValueError(f"url must start with https:// or http://, got '{self.url}'")
        return self


class EntryPatch(Strict):
    """An entry as written in one file: complete, or a partial override of an earlier layer."""

    id: str
    title: LangText | None = None
    answer: LangText | None = None
    examples: LangList | None = None
    source: list[Source] | None = None
    related: list[str] | None = None
    expert_function: ExpertFunction | None = None
    owner: str | None = None
    review_by: dt.date | None = None

    @field_validator("id")
    @classmethod
    def _id_form(cls, v: str) -> str:
        if not ENTRY_ID.match(v):
            raise ValueError(f"'{v}' is not an entry id like 'press.journalist_called'")
        return v

    @field_validator("title", "answer")
    @classmethod
    def _texts(cls, v: dict | None) -> dict | None:
        return None if v is None else _non_empty_texts(v)

    @field_validator("owner")
    @classmethod
    def _owner(cls, v: str | None) -> str | None:
        if v is not None and not EMAIL.match(v):
            raise ValueError(f"owner must be an e-mail address, got '{v}'")
        return v

    @field_validator("source")
    @classmethod
    def _sources(cls, v: list | None) -> list | None:
        if v is not None and not v:
            raise ValueError("at least one source is required")
        return v


class Entry(Strict):
    """A complete entry as one organisation sees it, after the layers are merged."""

    id: str
    title: LangText
    answer: LangText
    examples: LangList
    source: list[Source]
    related: list[str]
    expert_function: ExpertFunction
    owner: str
    review_by: dt.date
    layer: str  # where the answer comes from: common, dk, se, no or the org id

    def languages(self) -> list[Lang]:
        return [lang for lang in LANGS if lang in self.answer]


class EntryFile(Strict):
    entries: list[EntryPatch]


class AllLangText(Strict):
    """A text the bot itself says: required in every language it speaks."""

    da: str = Field(min_length=1)
    sv: str = Field(min_length=1)
    nb: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __getitem__(self, lang: Lang) -> str:
        return getattr(self, lang)


class LabelledQuestion(BaseModel):
    """A question someone wrote and the answer it should get, in the evaluation format
    (../shared/eval/README.md): `expect` is an entry id, `intent:<id>`, null for out of
    scope, or a list when several answers are right. Other fields (lang, org, style)
    describe the item and are not read."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    q: str = Field(min_length=1)
    expect: str | None | list[str | None]

    @property
    def label(self) -> str | None:
        """The class it teaches; None for several right answers (nothing certain)."""
        if isinstance(self.expect, list):
            return None
        if self.expect is None:
            return "intent:out_of_scope"
        return self.expect if self.expect.startswith("intent:") else f"entry:{self.expect}"


class Intent(Strict):
    id: IntentId
    examples: LangList
    patterns: list[str] = []
    reply: AllLangText

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from exc
        return v

    @field_validator("examples")
    @classmethod
    def _enough_examples(cls, v: dict) -> dict:
        require_examples(v)
        return v


class Org(Strict):
    id: str
    name: str
    country: Literal["dk", "se", "no"]
    language: Lang
    ticket_prefix: str = Field(pattern=r"^[A-Z]{2,5}$")  # tickets are RM-2026-0042
    comms_department: LangText
    seeds: list[str] = []  # the org's own founding documents (see shared/seeds)


class Messages(Strict):
    """The bot's own wording: key -> text in all four languages."""

    messages: dict[str, AllLangText]


def _require_langs(texts: dict, langs, what: str) -> None:
    missing = [lang for lang in langs if lang not in texts]
    if missing:
        raise ValueError(f"{what}: missing language(s) {', '.join(missing)}")


def require_examples(examples: dict) -> None:
    _require_langs(examples, LANGS, "examples")
    for lang, items in examples.items():
        if len(items) < MIN_EXAMPLES:
            raise ValueError(
                f"examples: {lang} has {len(items)}, at least {MIN_EXAMPLES} are required"
            )
