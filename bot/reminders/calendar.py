"""When each nudge is due: the leader's meeting + the step's offset, moved to a working
day of the org's country (back for a step before the meeting, forward for one after it,
so "the day after the meeting" never comes before it), at the step's hour in the leader's
own timezone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.directory.models import Leader
from bot.knowledge.loader import OrgKnowledge
from bot.reminders.plans import Step
from bot.workdays import next_working_day, previous_working_day


@dataclass(frozen=True)
class Occurrence:
    org: str
    leader: Leader
    step: Step
    year: int
    meeting: dt.date
    day: dt.date  # the local day it is sent (a working day)
    due_at: dt.datetime  # UTC
    moved: bool  # the offset fell on a weekend or holiday

    @property
    def key(self) -> str:
        return nudge_key(self.org, self.leader.email, self.step.id, self.year)


def nudge_key(org: str, leader: str, step: str, year: int, plan: str = "annual") -> str:
    return f"nudge:{plan}:{org}:{leader}:{step}:{year}"


def meeting_in(leader: Leader, year: int) -> dt.date:
    """The leader's dialogue meeting in `year` (same day of the year as in the directory)."""
    meeting = leader.dialogue_meeting
    try:
        return meeting.replace(year=year)
    except ValueError:  # 29 February
        return meeting.replace(year=year, day=28)


def occurrences(org: OrgKnowledge, year: int) -> list[Occurrence]:
    """Every nudge of `year`'s dialogue meetings for the org's leaders."""
    found = []
    for leader in org.directory.leaders:
        meeting = meeting_in(leader, year)
        zone = ZoneInfo(leader.timezone)
        for step in org.plan.steps:
            wanted = meeting + dt.timedelta(days=step.offset_days)
            move = next_working_day if step.offset_days > 0 else previous_working_day
            day = move(wanted, org.org.country)
            local = dt.datetime.combine(day, dt.time(step.hour), tzinfo=zone)
            found.append(
                Occurrence(
                    org.id,
                    leader,
                    step,
                    year,
                    meeting,
                    day,
                    local.astimezone(dt.UTC),
                    day != wanted,
                )
            )
    return found
