"""The two databases every storage benchmark runs on: a SQLite file and a PostgreSQL
schema of its own (dropped afterwards)."""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text


def both(postgres_url: str) -> Iterator[tuple[str, str]]:
    """Yield ("sqlite", url) then ("postgresql", url); cleans up after each."""
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite…", file=sys.stderr)
        yield "sqlite", f"sqlite:///{folder}/bench.db"
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        print("PostgreSQL…", file=sys.stderr)
        yield "postgresql", f"{postgres_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
