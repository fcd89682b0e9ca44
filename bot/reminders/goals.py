"""The goal register: each unit's communication goals per year, with status and history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot.clock import Clock
from bot.storage.db import Sessions
from bot.storage.models import Goal, GoalChange

STATUSES = ("achieved", "partly", "not_yet", "not_set")
REMOVED = "removed"  # a goal taken back: kept for its history, left out of lists and reports


@dataclass(frozen=True)
class UnitReport:
    org: str
    leader: str
    year: int
    goals: int
    achieved: int
    partly: int
    not_yet: int
    not_set: int


class GoalRegister:
    def __init__(self, sessions: Sessions, clock: Clock):
        self.sessions = sessions
        self.clock = clock

    def add(self, org: str, leader: str, year: int, text: str, actor: str) -> Goal:
        now = self.clock.now()
        with self.sessions.begin() as session:
            last = (
                session.scalar(
                    select(func.max(Goal.number)).where(
                        Goal.org == org, Goal.leader == leader, Goal.year == year
                    )
                )
                or 0
            )
            goal = Goal(
                org=org,
                leader=leader,
                year=year,
                number=last + 1,
                text=text,
                status="not_set",
                comment="",
                created_at=now,
            )
            session.add(goal)
            session.flush()
            session.add(
                GoalChange(goal_id=goal.id, at=now, actor=actor, status="not_set", comment=text)
            )
            return goal

    def set_status(
        self, org: str, leader: str, year: int, number: int, status: str, comment: str, actor: str
    ) -> Goal | None:
        if status not in (*STATUSES, REMOVED):
            raise ValueError(f"unknown status {status!r}")
        now = self.clock.now()
        with self.sessions.begin() as session:
            goal = session.scalar(
                select(Goal).where(
                    Goal.org == org,
                    Goal.leader == leader,
                    Goal.year == year,
                    Goal.number == number,
                    Goal.status != REMOVED,
                )
            )
            if goal is None:
                return None
            goal.status, goal.comment, goal.status_at = status, comment, now
            session.add(
                GoalChange(goal_id=goal.id, at=now, actor=actor, status=status, comment=comment)
            )
            return goal

    def remove(self, org: str, leader: str, year: int, number: int, actor: str) -> Goal | None:
        return self.set_status(org, leader, year, number, REMOVED, "", actor)

    def goals(self, org: str, leader: str, year: int) -> list[Goal]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Goal)
                    .where(
                        Goal.org == org,
                        Goal.leader == leader,
                        Goal.year == year,
                        Goal.status != REMOVED,
                    )
                    .order_by(Goal.number)
                )
            )

    def history(self, goal_id: int) -> list[GoalChange]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(GoalChange).where(GoalChange.goal_id == goal_id).order_by(GoalChange.id)
                )
            )

    def report(self, year: int, org: str | None = None) -> list[UnitReport]:
        with self.sessions() as session:
            query = select(Goal).where(Goal.year == year, Goal.status != REMOVED)
            if org:
                query = query.where(Goal.org == org)
            units: dict[tuple[str, str], list[Goal]] = {}
            for goal in session.scalars(query.order_by(Goal.org, Goal.leader, Goal.number)):
                units.setdefault((goal.org, goal.leader), []).append(goal)
        return [
            UnitReport(
                org_id,
                leader,
                year,
                len(goals),
                *(sum(1 for g in goals if g.status == s) for s in STATUSES),
            )
            for (org_id, leader), goals in units.items()
        ]
