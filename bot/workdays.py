"""Working days per country: weekends and public holidays (with the half-official days
such as Christmas Eve, which workplaces treat as closed) are not working days."""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

COUNTRY = {"dk": "DK", "se": "SE", "no": "NO"}
CATEGORIES = {"DK": ("public", "optional"), "SE": ("public", "de_facto"), "NO": ("public",)}
EXTRA_CLOSED = {"NO": ((12, 24), (12, 31))}  # julaften, nyttårsaften: not in `holidays` for NO


@cache
def _closed_days(country: str, year: int) -> holidays.HolidayBase:
    code = COUNTRY[country]
    return holidays.country_holidays(
        code, years=[year - 1, year, year + 1], categories=CATEGORIES[code]
    )


def is_working_day(day: dt.date, country: str) -> bool:
    if day.weekday() >= 5 or day in _closed_days(country, day.year):
        return False
    return (day.month, day.day) not in EXTRA_CLOSED.get(COUNTRY[country], ())


def previous_working_day(day: dt.date, country: str) -> dt.date:
    """`day` itself when it is a working day, else the closest working day before it."""
    while not is_working_day(day, country):
        day -= dt.timedelta(days=1)
    return day


def next_working_day(day: dt.date, country: str) -> dt.date:
    """`day` itself when it is a working day, else the closest working day after it."""
    while not is_working_day(day, country):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.datetime, days: int, country: str) -> dt.datetime:
    """The same time of day, `days` working days later."""
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current.date(), country):
            remaining -= 1
    return current
