"""The models' schema and the migrated one are the same, so a throw-away database may be
created from the models (what `kombot ask` and `eval` do) and a real one migrated."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from bot.storage.db import (
    MIGRATIONS,
    MigrationFailed,
    current_revision,
    head_revision,
    is_throwaway,
    make_engine,
    migrate,
)

OWN_TABLES_ONLY = {"alembic_version", "apscheduler_jobs"}


def _schema(engine) -> dict:
    found = inspect(engine)
    return {
        table: (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)),
            sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
            sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in found.get_indexes(table)
            ),
            sorted(tuple(k["constrained_columns"]) for k in found.get_foreign_keys(table)),
        )
        for table in found.get_table_names()
        if table not in OWN_TABLES_ONLY
    }


def test_models_schema_equals_the_migrated_schema(tmp_path):
    migrated = make_engine(f"sqlite:///{tmp_path}/migrated.db")
    migrate(migrated)
    in_memory = make_engine("sqlite://")
    assert is_throwaway(in_memory) and not is_throwaway(migrated)
    migrate(in_memory)
    assert _schema(in_memory) == _schema(migrated)
    assert "tickets" in _schema(migrated)


def _alembic_loaded_by_migrate(url: str, apart: bool) -> bool:
    """Whether a fresh process that migrates `url` ends up with Alembic in its memory."""
    check = (
        "import sys; from bot.storage.db import make_engine, migrate; "
        f"migrate(make_engine({url!r}), apart={apart}); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def test_a_database_at_the_newest_revision_starts_without_alembic(tmp_path):
    """Alembic (with Mako and Pygments) would stay in every server's memory for nothing."""
    url = f"sqlite:///{tmp_path}/kombot.db"
    migrate(make_engine(url))
    assert not _alembic_loaded_by_migrate(url, apart=False)


def test_a_database_behind_the_newest_revision_is_migrated(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/kombot.db")
    migrate(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    assert current_revision(engine) != head_revision()
    assert "inbound_messages" in inspect(engine).get_table_names()  # the newest one drops it
    migrate(engine)
    assert current_revision(engine) == head_revision()
    assert "inbound_messages" not in inspect(engine).get_table_names()


def test_a_server_upgrades_a_new_database_in_a_child_process(tmp_path):
    """What a server or worker does at start (`migrate(..., apart=True)`): the schema
    reaches the newest revision and Alembic never loads into the long-lived process."""
    url = f"sqlite:///{tmp_path}/kombot.db"
    assert not _alembic_loaded_by_migrate(url, apart=True)
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    assert "dashboard_links" in inspect(engine).get_table_names()


def test_a_failed_upgrade_in_the_child_process_is_reported(tmp_path):
    unreachable = make_engine(f"sqlite:///{tmp_path}/no-such-folder/kombot.db")
    with pytest.raises(MigrationFailed, match="upgrade failed"):
        migrate(unreachable, apart=True)
