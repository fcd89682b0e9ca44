"""Recognise a message delivered again (Slack retries, a double click, a second replica)."""

from __future__ import annotations

import datetime as dt

from bot.storage.db import Sessions, insert_new
from bot.storage.models import InboundMessage


def first_delivery(sessions: Sessions, key: str, now: dt.datetime) -> bool:
    with sessions.begin() as session:
        inserted = session.execute(
            insert_new(InboundMessage.__table__, "id", session.bind.dialect.name),
            {"id": key, "received_at": now},
        )
        return inserted.first() is not None  # rowcount is unreliable here on psycopg
