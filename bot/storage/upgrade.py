"""`python -m bot.storage.upgrade`: bring the database named by the environment variable
KOMBOT_UPGRADE_DATABASE_URL to the newest schema. Run by a server or worker in a child
process (`migrate(…, apart=True)`), so that Alembic never loads into a long-lived one."""

from __future__ import annotations

import os

from bot.storage.db import UPGRADE_URL, make_engine, migrate

if __name__ == "__main__":
    engine = make_engine(os.environ[UPGRADE_URL])
    try:
        migrate(engine)
    finally:
        engine.dispose()
