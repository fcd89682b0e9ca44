"""The models' schema and the migrated one are the same, so a throw-away database may be
created from the models (what `kombot ask` and `eval` do) and a real one migrated."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.storage.db import is_throwaway, make_engine, migrate

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
