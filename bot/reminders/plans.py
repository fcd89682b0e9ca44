"""Reminder plans staff edit (`knowledge/orgs/<org>/reminders.yaml`): steps relative to
each leader's dialogue meeting, sent at a local hour on a working day."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.knowledge.models import AllLangText, Strict

DST_GAP_HOUR = 2  # 02:00-03:00 does not exist on the spring-forward day


class Step(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    offset_days: int = Field(ge=-365, le=365)  # negative: before the meeting
    hour: int = Field(ge=0, le=23)  # local time of the leader
    message: AllLangText  # {meeting} {year} {unit} {goals} are filled in

    @field_validator("hour")
    @classmethod
    def _not_in_dst_gap(cls, v: int) -> int:
        if v == DST_GAP_HOUR:
            raise ValueError("02:00-03:00 is skipped on daylight-saving days; choose another hour")
        return v


class Plan(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    grace_hours: int = Field(24, ge=0, le=24 * 14)  # a nudge missed while down goes out if late
    escalate_after_unanswered: int = Field(2, ge=1)
    steps: list[Step] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _unique(cls, v: list[Step]) -> list[Step]:
        seen = set()
        for step in v:
            if step.id in seen:
                raise ValueError(f"step '{step.id}' is listed twice")
            seen.add(step.id)
        return v
