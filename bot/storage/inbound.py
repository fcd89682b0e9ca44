"""Recognise a message delivered again (Slack retries, a double click, a second replica)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.db import Sessions
from bot.storage.models import InboundMessage


def first_delivery(sessions: Sessions, key: str, now: dt.datetime) -> bool:
    with sessions.begin() as session:
        insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
        inserted = session.execute(
            insert(InboundMessage.__table__)  # Core: cheaper than the ORM's
            .values(id=key, received_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(InboundMessage.__table__.c.id)
        )
        return inserted.first() is not None  # rowcount is unreliable here on psycopg
