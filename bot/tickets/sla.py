"""When an unclaimed ticket escalates: minutes for urgent, working days for normal."""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

COUNTRY = {"dk": "DK", "se": "SE", "no": "NO"}
# Christmas Eve, New Year's Eve and the like are not working days in practice.
CATEGORIES = {"DK": ("public", "optional"), "SE": ("public", "de_facto"), "NO": ("public",)}


@cache
def _closed_days(country: str, year: int) -> holidays.HolidayBase:
    code = COUNTRY[country]
    return holidays.country_holidays(code, years=[year, year + 1], categories=CATEGORIES[code])


def is_working_day(day: dt.date, country: str) -> bool:
    return day.weekday() < 5 and day not in _closed_days(country, day.year)


def add_working_days(start: dt.datetime, days: int, country: str) -> dt.datetime:
    """The same time of day, `days` working days later (weekends and holidays skipped)."""
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current.date(), country):
            remaining -= 1
    return current


def due_at(
    created: dt.datetime, priority: str, country: str, urgent_minutes: int, normal_working_days: int
) -> dt.datetime:
    if priority == "urgent":
        return created + dt.timedelta(minutes=urgent_minutes)
    return add_working_days(created, normal_working_days, country)
