"""Synonyms staff maintain: per language, a canonical word and the words people use for it."""

from __future__ import annotations

from pydantic import field_validator

from bot.knowledge.models import Strict
from bot.languages import Lang


class Synonyms(Strict):
    languages: dict[Lang | str, dict[str, list[str]]]

    @field_validator("languages")
    @classmethod
    def _known(cls, v: dict) -> dict:
        for lang in v:
            if lang not in ("da", "sv", "nb", "en", "any"):
                raise ValueError(f"unknown language '{lang}' (da, sv, nb, en or any)")
        return v
