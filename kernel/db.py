"""Database access shared by every service: naming convention, URLs, engines, transactions.

Each service has its own metadata and database; only the mechanics are shared here.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Metadata with the house naming convention (stable constraint names for migrations)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> URL:
    """The async driver's URL: sqlite -> aiosqlite, postgresql -> psycopg (3)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def sync_url(url: str) -> URL:
    """The blocking driver's URL, for migrations and administrative commands."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed.set(drivername="sqlite")


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_engine(url: URL, begin: str) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to emit (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer. synchronous=NORMAL is durable against a
        # process crash; a power cut may lose the last commits but never corrupts the file.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Database:
    """One service's database: a write path that serialises writers, and a read path."""

    def __init__(self, url: str) -> None:
        self.url = url
        if is_sqlite(url):
            # BEGIN IMMEDIATE takes SQLite's write lock up front, so two writers queue
            # instead of failing with "database is locked" when both try to upgrade.
            self.write_engine = _sqlite_engine(async_url(url), "BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(async_url(url), "BEGIN")
        else:
            self.write_engine = create_async_engine(async_url(url), pool_pre_ping=True)
            self.read_engine = self.write_engine
        self._writer = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits when the block ends, or rolls back."""
        async with self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries only; whatever it holds is rolled back."""
        async with self._reader() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Closes every pooled connection."""
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
