"""The directory of one organisation: areas, people, expert functions, press duty, leaders.

It lives in `knowledge/orgs/<org>/directory.yaml` beside the org's knowledge, because the
communication department edits it. Everyone in shipped directories is fictitious.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator

from bot.knowledge.models import EMAIL, ExpertFunction, LangList, LangText, Strict
from bot.languages import Lang


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError(f"'{value}' is not an e-mail address")
    return value.lower()


class Person(Strict):
    email: str
    name: str
    title: str = ""
    phone: str = ""  # how to reach them now (the on-duty press officer)
    language: Lang | None = None
    area: str | None = None  # the person's own area, when the directory knows it
    slack_id: str | None = None
    teams_id: str | None = None  # Azure AD object id
    admin: bool = False

    _check_email = field_validator("email")(lambda cls, v: _email(v))


class Area(Strict):
    id: str
    name: LangText
    contact_person: str

    _check_contact = field_validator("contact_person")(lambda cls, v: _email(v))


class Function(Strict):
    id: ExpertFunction
    name: LangText
    members: list[str] = Field(min_length=1)
    triage_channel: dict[Literal["slack", "teams"], str] = {}
    keywords: LangList = {}

    @field_validator("members")
    @classmethod
    def _members(cls, v: list[str]) -> list[str]:
        return [_email(m) for m in v]


class OnDuty(Strict):
    """Who answers the press line: alternating by ISO week, with a backup."""

    name: LangText  # read mid-sentence: {da: pressevagten, en: the on-duty press officer}
    odd_weeks: str
    even_weeks: str
    backup: str

    _check = field_validator("odd_weeks", "even_weeks", "backup")(lambda cls, v: _email(v))

    def officer(self, day: dt.date) -> str:
        return self.odd_weeks if day.isocalendar().week % 2 else self.even_weeks


class Leader(Strict):
    email: str
    unit: LangText
    area: str
    director: str
    dialogue_meeting: dt.date
    timezone: str = "Europe/Copenhagen"

    _check = field_validator("email", "director")(lambda cls, v: _email(v))

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone '{v}'") from None
        return v


class Directory(Strict):
    max_areas_per_contact: int = Field(3, ge=1)
    people: list[Person]
    areas: list[Area] = Field(min_length=1)
    functions: list[Function] = Field(min_length=1)
    on_duty: OnDuty
    leaders: list[Leader] = []
    _index: dict[str, dict] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context) -> None:
        # lookups by key: an org may list thousands of leaders
        self._index["people"] = {p.email: p for p in self.people}
        self._index["areas"] = {a.id: a for a in self.areas}
        self._index["functions"] = {f.id: f for f in self.functions}
        self._index["leaders"] = {le.email: le for le in self.leaders}

    def person(self, email: str) -> Person | None:
        return self._index["people"].get(email.lower())

    def area(self, area_id: str) -> Area | None:
        return self._index["areas"].get(area_id)

    def function(self, function_id: str) -> Function | None:
        return self._index["functions"].get(function_id)

    def leader(self, email: str) -> Leader | None:
        return self._index["leaders"].get(email.lower())

    def admins(self) -> list[str]:
        return [p.email for p in self.people if p.admin]
