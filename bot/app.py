"""Assemble the pieces: knowledge, database, ticket desk, reminders, engine."""

from __future__ import annotations

from bot.analytics.records import Records
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge.loader import Knowledge
from bot.reminders.goals import GoalRegister
from bot.reminders.nudges import Reminders
from bot.storage.db import Sessions, make_engine, migrate, sessions
from bot.tickets.desk import Desk
from bot.understanding.cache import ModelCache


def build_engine(
    knowledge: Knowledge,
    settings: Settings,
    database_url: str | None = None,
    clock: Clock | None = None,
    database: Sessions | None = None,
    migrate_apart: bool = False,
) -> Engine:
    """An engine on `database` (a reload keeps the server's), else on a migrated one
    (`migrate_apart`: by a child process, see `migrate`)."""
    if database is None:
        db = make_engine(database_url or settings.database_url)
        migrate(db, apart=migrate_apart)
        database = sessions(db)
    clock = clock or SystemClock()
    factory = database
    desk = Desk(
        knowledge,
        factory,
        clock,
        urgent_minutes=settings.sla_urgent_minutes,
        normal_working_days=settings.sla_normal_working_days,
    )
    reminders = Reminders(knowledge, factory, clock, GoalRegister(factory, clock))
    records = Records(factory, clock, knowledge.version)
    return Engine(
        knowledge,
        desk,
        reminders,
        records,
        max_message_chars=settings.max_message_chars,
        model_cache=ModelCache(settings.model_cache_dir),
        public_url=settings.public_url,
    )
