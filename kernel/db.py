"""Database access shared by every service: naming convention, URLs, engines, transactions.

Each service has its own metadata and database; only the mechanics are shared here.
"""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

P = ParamSpec("P")
T = TypeVar("T")

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


def sync_url(url: str) -> URL:
    """The driver's URL: the standard sqlite3 module, or psycopg (3) for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed.set(drivername="sqlite")


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_engine(url: URL, begin: str, pool_size: int) -> Engine:
    # One pool per role: writers queue on the pool (in this process) instead of sleeping in
    # SQLite's busy handler.
    engine = create_engine(
        url, connect_args={"timeout": 30}, pool_size=pool_size, max_overflow=0, pool_timeout=60
    )

    @event.listens_for(engine, "connect")
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

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Database:
    """One service's database: a write path that serialises writers, and a read path.

    Sessions are synchronous. Async callers (gRPC servicers, the gateway) run a whole unit of
    work with `write_call`/`read_call` (an async SQLite driver costs ~25x more per statement):
    on SQLite in the event loop's thread, since a unit of work on a local file takes well under
    a millisecond and a thread hop (with its GIL hand-offs) costs more than the work itself; on
    PostgreSQL in a worker thread, so that network round trips never stall the loop."""

    def __init__(self, url: str) -> None:
        self.url = url
        if is_sqlite(url):
            # BEGIN IMMEDIATE takes SQLite's write lock up front, so two writers queue
            # instead of failing with "database is locked" when both try to upgrade.
            self.write_engine = _sqlite_engine(sync_url(url), "BEGIN IMMEDIATE", pool_size=1)
            self.read_engine = _sqlite_engine(sync_url(url), "BEGIN", pool_size=4)
        else:
            self.write_engine = create_engine(sync_url(url), pool_pre_ping=True, pool_size=8)
            self.read_engine = self.write_engine
        self._in_loop = is_sqlite(url)
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a transaction that commits when the block ends, or rolls back."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries only; whatever it holds is rolled back."""
        with self._reader() as session, session.begin():
            yield session

    async def write_call(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Runs fn(session, ...) in a write transaction (see the class for which thread)."""

        def call() -> T:
            with self.write() as session:
                return fn(session, *args, **kwargs)

        return call() if self._in_loop else await asyncio.to_thread(call)

    async def idempotent_write(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """write_call for an idempotent use case: two first-time callers racing on the same key
        (or on the audit chain's first row) make one insert fail; it runs again in a new
        transaction, sees the winner's rows and answers as a repeat."""
        try:
            return await self.write_call(fn, *args, **kwargs)
        except IntegrityError:
            return await self.write_call(fn, *args, **kwargs)

    async def read_call(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Runs fn(session, ...) in a read-only transaction (see the class for which thread)."""

        def call() -> T:
            with self.read() as session:
                return fn(session, *args, **kwargs)

        return call() if self._in_loop else await asyncio.to_thread(call)

    async def dispose(self) -> None:
        """Closes every pooled connection."""
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
