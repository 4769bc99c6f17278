"""How the local store drives a SQLite file: on the event loop's thread, without ever blocking it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from app.backends.local.database import Database


def statement_threads(sqlite_db: Database) -> list[int]:
    """The thread of every statement `sqlite_db` runs from now on."""
    threads: list[int] = []

    def seen(*_: Any) -> None:
        threads.append(threading.get_ident())

    for engine in sqlite_db.engines:
        event.listen(engine, "before_cursor_execute", seen)
    return threads


async def test_reads_and_writes_run_on_the_loop_thread(sqlite_db: Database) -> None:
    threads = statement_threads(sqlite_db)
    async with sqlite_db.write() as conn:
        await conn.execute(text("INSERT INTO counters (name, value) VALUES ('probe', 1)"))
    async with sqlite_db.read() as conn:
        value = (await conn.execute(text("SELECT value FROM counters WHERE name = 'probe'"))).scalar_one()
    assert value == 1
    assert threads and set(threads) == {threading.get_ident()}


async def test_a_failed_write_leaves_nothing_and_the_next_write_works(sqlite_db: Database) -> None:
    async def fail_midway() -> None:
        async with sqlite_db.write() as conn:
            await conn.execute(text("INSERT INTO counters (name, value) VALUES ('lost', 1)"))
            raise RuntimeError("mid-transaction")

    with pytest.raises(RuntimeError):
        await fail_midway()
    async with sqlite_db.write() as conn:
        await conn.execute(text("INSERT INTO counters (name, value) VALUES ('kept', 2)"))
    async with sqlite_db.read() as conn:
        names = (await conn.execute(text("SELECT name FROM counters"))).scalars().all()
    assert "lost" not in names and "kept" in names


async def test_a_write_waits_for_another_process_without_blocking_the_loop(
    sqlite_db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "orders.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as another process's writer would: the file's write lock is taken
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    asyncio.get_running_loop().call_later(0.5, other.commit)
    started = time.monotonic()
    try:
        async with sqlite_db.write() as conn:
            await conn.execute(text("INSERT INTO counters (name, value) VALUES ('waited', 3)"))
    finally:
        ticker.cancel()
        other.close()
    waited = time.monotonic() - started
    assert 0.4 < waited < 5  # it waited for the other writer, and went on once it was done
    assert ticks >= 10  # while it waited, the loop kept serving
    async with sqlite_db.read() as conn:
        value = (await conn.execute(text("SELECT value FROM counters WHERE name = 'waited'"))).scalar_one()
    assert value == 3
    threads = statement_threads(
        sqlite_db
    )  # once the other writer is gone, writes are back on the loop's thread
    async with sqlite_db.write() as conn:
        await conn.execute(text("INSERT INTO counters (name, value) VALUES ('after', 4)"))
    assert set(threads) == {threading.get_ident()}


async def test_many_open_read_transactions_never_wait_for_a_connection(sqlite_db: Database) -> None:
    """A read transaction may await other work while it is open; however many are, none blocks the loop
    waiting for a pooled connection (that wait would stop the loop that returns them)."""

    async def read_slowly() -> int:
        async with sqlite_db.read() as conn:
            await asyncio.sleep(0.05)
            return int((await conn.execute(text("SELECT count(*) FROM counters"))).scalar_one())

    started = time.monotonic()
    counts = await asyncio.gather(*(read_slowly() for _ in range(60)))
    assert len(set(counts)) == 1
    assert time.monotonic() - started < 5
