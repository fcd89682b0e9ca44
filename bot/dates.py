"""Dates as each language writes them: "11. marts 2027", "11 mars 2027", "11. mars 2027",
"11 March 2027" (Babel's CLDR data), not ISO."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from bot.languages import Lang

LOCALES = {"da": "da_DK", "sv": "sv_SE", "nb": "nb_NO", "en": "en_GB"}


def written(day: dt.date, lang: Lang) -> str:
    return format_date(day, format="long", locale=LOCALES[lang])
