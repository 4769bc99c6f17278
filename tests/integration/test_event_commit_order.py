"""On PostgreSQL, events are numbered in commit order: a second appender waits for the first to commit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from app.backends.local.database import Database
from app.backends.local.event_log import LocalEventLog, before_appending
from app.backends.local.tables import events_t
from app.backends.local.upstream_events import UpstreamEvent, UpstreamEventLog
from app.domain.events import EventFilter
from app.domain.model import EventType

AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


@pytest.fixture
def db(postgres_db: Database) -> Database:
    return postgres_db


async def test_an_appender_waits_until_the_transaction_before_it_commits(db: Database) -> None:
    log = LocalEventLog(db)
    second: asyncio.Task[list[UpstreamEvent]] | None = None
    async with db.write() as first:
        await before_appending(first)
        row = {"order_id": "o1", "type": "ORDER_UPDATED", "occurred_at": AT, "source": "local"}
        await first.execute(insert(events_t).values(row))
        upstream = UpstreamEventLog(db, "wix", lambda: AT)
        second = asyncio.create_task(upstream.append([UpstreamEvent("e", EventType.ORDER_UPDATED, "o2", AT)]))
        await asyncio.sleep(0.5)
        assert not second.done()  # it may not take a number before this transaction has committed
        assert await log.read(0, EventFilter(), 10) == []
    await asyncio.wait_for(second, 5)
    logged = await log.read(0, EventFilter(), 10)
    assert [event.order_id for event in logged] == ["o1", "o2"]
    assert logged[0].seq < logged[1].seq


async def test_transactions_that_append_no_events_do_not_wait(db: Database) -> None:
    upstream = UpstreamEventLog(db, "system", lambda: AT)
    async with db.write() as first:
        await before_appending(first)
        await asyncio.wait_for(upstream.append([], {"cursor": "1"}), 2)
    assert await upstream.state() == {"cursor": "1"}
