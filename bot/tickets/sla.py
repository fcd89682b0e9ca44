"""When an unclaimed ticket escalates: minutes for urgent, working days for normal."""

from __future__ import annotations

import datetime as dt

from bot.workdays import add_working_days


def due_at(
    created: dt.datetime, priority: str, country: str, urgent_minutes: int, normal_working_days: int
) -> dt.datetime:
    if priority == "urgent":
        return created + dt.timedelta(minutes=urgent_minutes)
    return add_working_days(created, normal_working_days, country)
