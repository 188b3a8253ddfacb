"""Fresh databases for tests: a SQLite file, or a PostgreSQL database created and dropped per use."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def sqlite_url(directory: Path, name: str = "test") -> str:
    """URL of a new SQLite file in `directory`."""
    return f"sqlite:///{directory / f'{name}.db'}"


@contextmanager
def postgres_database(prefix: str = "lims_test") -> Iterator[str]:
    """Creates a uniquely named database on the local server, yields its URL, drops it after.

    Fails (never skips) when the server is not there: the suite must run against it."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
