"""Fixtures every level of test may use. Service-specific factories live beside their tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import postgres_database, sqlite_url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: each test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_database() as url:
            yield url
