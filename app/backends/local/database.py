"""The local store's engine: SQLite (WAL, one writer at a time) or PostgreSQL, with a statement counter.

SQLite allows one writer; write transactions therefore start with `BEGIN IMMEDIATE` (so a read never has
to be upgraded to a write lock mid-transaction) and are queued in-process by a lock. A SQLite file is
read and written right on the event loop's thread, through the standard library's driver
(`LoopConnection`): a statement takes SQLite microseconds, where handing it to aiosqlite's thread costs a
thread round trip, and on a busy machine a wait for that thread to be scheduled, each time, with the
write lock held. In WAL mode a read never waits for a writer. A write waits only when another process
holds the file's write lock: the loop-thread writer does not wait then (its busy timeout is 0) but hands
that transaction to aiosqlite, whose thread waits up to the busy timeout.

Callbacks given to `on_commit` run after every committed write (the event hub reads the log then, instead
of waiting for its next poll). `statements` counts what requests cost, in all and on the record of the
request being served (app/request_scope.py); work done aside (`counted=False`: the event hub's reads,
audit writes) is left out.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, TypeVarTuple, overload

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.request_scope import current

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Sequence

    from sqlalchemy import CursorResult, Executable, RootTransaction, RowMapping
    from sqlalchemy.engine.interfaces import Dialect
    from sqlalchemy.sql.selectable import TypedReturnsRows
    from sqlalchemy.util.typing import TupleAny

_Ts = TypeVarTuple("_Ts")
_P = ParamSpec("_P")
_T = TypeVar("_T")
SQLITE_POOL_SIZE = 24
_WRITE = "gateway_write"
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:name))")
_UNCOUNTED = "gateway_uncounted"
_SINGLE = "gateway_single_statement"  # its own transaction: SQLite runs a lone statement atomically


class LoopConnection:
    """A SQLite connection run on the event loop's thread, behind the awaitable `execute` of an
    `AsyncConnection` (each statement completes before `execute` returns; nothing is awaited)."""

    __slots__ = ("_sync", "dialect")

    def __init__(self, sync: Connection) -> None:
        self._sync = sync
        self.dialect: Dialect = sync.dialect

    @overload
    async def execute(
        self, statement: TypedReturnsRows[*_Ts], parameters: Any = None
    ) -> CursorResult[*_Ts]: ...

    @overload
    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[*TupleAny]: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[*TupleAny]:
        return self._sync.execute(statement, parameters)

    async def run_sync(
        self, fn: Callable[Concatenate[Connection, _P], _T], *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """Calls `fn` with the synchronous connection (as `AsyncConnection.run_sync` does)."""
        return fn(self._sync, *args, **kwargs)


DbConnection = AsyncConnection | LoopConnection
"""What `Database.read()` and `write()` hand out: statements are awaited the same way on both."""


class Database:
    """Owns the async engine; `read()` and `write()` hand out connections inside a transaction.

    `statements` counts the SQL statements requests run; writes made off the request path (the audit log)
    pass `counted=False` so that count stays exact whenever they happen to run.
    """

    def __init__(self, url: str, *, pool_size: int = 10, statement_timeout_ms: int | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.statements = 0
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        kwargs: dict[str, Any] = {}
        if self.is_sqlite and ":memory:" not in url:
            # Each aiosqlite connection is a thread, opened with four PRAGMAs: keep enough of them that the
            # reads of concurrent requests (one per nested list) do not open and close one each.
            kwargs["pool_size"] = SQLITE_POOL_SIZE
        if not self.is_sqlite:
            # `pool_size` bounds the connections this process opens; pre-ping replaces the ones a database
            # restart broke, so the process reconnects by itself.
            kwargs |= {"pool_size": pool_size, "max_overflow": 0, "pool_pre_ping": True}
            if statement_timeout_ms:
                kwargs["connect_args"] = {"server_settings": {"statement_timeout": str(statement_timeout_ms)}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        sync_engine = self.engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._count)
        if self.is_sqlite:
            _quiet_driver_debug()
            event.listen(sync_engine, "connect", _sqlite_connect)
            event.listen(sync_engine, "begin", _sqlite_begin)
        self._local: Engine | None = None
        self._local_connection: Connection | None = None
        self._local_writer: Connection | None = None
        self._versions: sqlite3.Connection | None = None
        if self.is_sqlite and ":memory:" not in url:
            # The same file through the standard library's driver, on the loop's thread.
            # No bound on overflow: a checkout that waited for a free connection would block the loop.
            local_url = make_url(url).set(drivername="sqlite")
            self._local = create_engine(local_url, pool_size=SQLITE_POOL_SIZE, max_overflow=-1)
            event.listen(self._local, "before_cursor_execute", self._count)
            event.listen(self._local, "connect", _sqlite_connect)
            event.listen(self._local, "begin", _sqlite_begin)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        self._uncounted_writer = self.engine.execution_options(**{_WRITE: True, _UNCOUNTED: True})
        self._uncounted_reader = self.engine.execution_options(**{_UNCOUNTED: True})
        self._committed: list[Callable[[], None]] = []

    @property
    def engines(self) -> list[Engine]:
        """Every (sync) engine statements run through: the async engine's, and that of `fetch` on SQLite."""
        return [self.engine.sync_engine, *([self._local] if self._local else [])]

    @property
    def versioned(self) -> bool:
        """Whether `data_version` tells when the data changed (a SQLite file)."""
        return self._local is not None

    def data_version(self) -> int | None:
        """A number that changes whenever any connection or process commits to the SQLite file (SQLite's
        `PRAGMA data_version`, asked on a connection that never writes); None on PostgreSQL, or when the
        file cannot be read."""
        if self._local is None:
            return None
        try:
            if self._versions is None:
                self._versions = sqlite3.connect(self._local.url.database or "", check_same_thread=False)
            return int(self._versions.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Calls `callback` after each write transaction commits (never after a rollback)."""
        self._committed.append(callback)

    def _count(self, conn: Any, *_: object) -> None:
        if not conn.get_execution_options().get(_UNCOUNTED):
            self.statements += 1
            if (request := current()) is not None:
                request.statements += 1

    @asynccontextmanager
    async def read(self, *, counted: bool = True) -> AsyncIterator[DbConnection]:
        """A connection in a read transaction (a consistent snapshot on both dialects)."""
        if self._local is None:
            async with (self.engine if counted else self._uncounted_reader).connect() as conn:
                yield conn
            return
        with self._local.connect() as local:
            local.execution_options(**{_UNCOUNTED: not counted})
            try:
                yield LoopConnection(local)
            finally:
                local.rollback()

    async def fetch(
        self, statement: Executable, parameters: dict[str, Any] | None = None
    ) -> Sequence[RowMapping]:
        """The rows of a one-statement read (a SQLite file is read on the loop's thread, through one
        connection kept for it, without BEGIN and ROLLBACK: SQLite runs a lone statement as its own
        transaction, and nothing else runs on that thread while it reads)."""
        if self._local is None:
            async with self.read() as conn:
                return (await conn.execute(statement, parameters)).mappings().all()
        if self._local_connection is None:
            self._local_connection = self._local.connect().execution_options(**{_SINGLE: True})
        local = self._local_connection
        try:
            return local.execute(statement, parameters).mappings().all()
        finally:
            local.rollback()

    @asynccontextmanager
    async def write(self, *, counted: bool = True) -> AsyncIterator[DbConnection]:
        """A connection in a write transaction that commits on success and rolls back on any error."""
        writer = self._writer if counted else self._uncounted_writer
        if self._write_lock is None:
            async with writer.begin() as conn:
                yield conn
        else:
            async with self._write_lock:
                local = self._begin_local_write(counted)
                if local is None:
                    async with writer.begin() as conn:
                        yield conn
                else:
                    with local:
                        yield LoopConnection(local.connection)
        for callback in self._committed:
            callback()

    def _begin_local_write(self, counted: bool) -> RootTransaction | None:
        """A write transaction on the loop's thread; None when another process holds the write lock."""
        if self._local is None:
            return None
        if self._local_writer is None or self._local_writer.invalidated:
            self._local_writer = self._local.connect().execution_options(**{_UNCOUNTED: True})
            self._local_writer.exec_driver_sql("PRAGMA busy_timeout=0")
            self._local_writer.rollback()
        writer = self._local_writer.execution_options(**{_WRITE: True, _UNCOUNTED: not counted})
        try:
            return writer.begin()
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
            writer.rollback()
            return None

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with asyncio.timeout(2), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
        for connection in (self._local_connection, self._local_writer):
            if connection is not None:
                connection.close()
        if self._versions is not None:
            self._versions.close()
        if self._local is not None:
            self._local.dispose()


def ensure_sqlite_dir(url: str) -> None:
    """Creates the folder of a SQLite file (the embedded default lives under ./data/)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


async def serialize(conn: DbConnection, name: str) -> None:
    """Makes write transactions that call this with the same `name` run one after the other.

    On PostgreSQL: a transaction-level advisory lock on `name`, held until commit or rollback. On SQLite
    every write transaction already runs alone.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(_ADVISORY_LOCK, {"name": name})


def dialect_insert(conn: DbConnection, table: Table) -> Any:
    """INSERT with the dialect's ON CONFLICT clauses (SQLite and PostgreSQL spell them alike); each dialect's
    module is imported once used, so a SQLite gateway never loads PostgreSQL's."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def _quiet_driver_debug() -> None:
    """Keeps aiosqlite's DEBUG lines out of the logs unless an operator set that logger's level.

    They carry every statement with its parameters (key hashes, buyers' data); SQLAlchemy keeps its own
    loggers quiet the same way.
    """
    driver = logging.getLogger("aiosqlite")
    if driver.level == logging.NOTSET:
        driver.setLevel(logging.INFO)


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly, below
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching to WAL takes a lock another connection may hold for a moment
    for pragma in ("busy_timeout=10000", "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    options = conn.get_execution_options()
    if not options.get(_SINGLE):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITE) else "BEGIN")
