"""The event log in the local store: filtered reads in sequence order, commit notifications."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert

from app.backends.local.database import Database
from app.backends.local.event_log import LocalEventLog
from app.backends.local.store import LocalBackend
from app.backends.local.tables import EventRow
from app.domain import rules
from app.domain.commands import Actor, CreateOrder, LineItemDraft
from app.domain.events import EVERY_EVENT, EventFilter
from app.domain.model import EventType, OrderStatus

events_t = EventRow.__table__  # type: ignore[attr-defined]


async def create(backend: LocalBackend, status: OrderStatus = OrderStatus.APPROVED) -> str:
    cmd = CreateOrder(currency="EUR", status=status, line_items=(LineItemDraft("Mug", 1, Decimal("2.50")),))
    return (await backend.create_order(rules.create_order(cmd, datetime.now(UTC)), Actor(), None, "")).id


async def test_reads_in_sequence_order_with_filters_and_bounds(sqlite_db: Database) -> None:
    backend, log = LocalBackend(sqlite_db), LocalEventLog(sqlite_db)
    a = await create(backend)  # 1 created, 2 approved
    b = await create(backend, OrderStatus.INITIALIZED)  # 3 created
    await backend.approve_order(b, Actor())  # 4 approved
    assert await log.head() == 4
    assert [(e.seq, e.order_id, e.type) for e in await log.read(0, EVERY_EVENT, 10)] == [
        (1, a, EventType.ORDER_CREATED),
        (2, a, EventType.ORDER_APPROVED),
        (3, b, EventType.ORDER_CREATED),
        (4, b, EventType.ORDER_APPROVED),
    ]
    assert [e.seq for e in await log.read(1, EVERY_EVENT, 2)] == [2, 3]
    assert [e.seq for e in await log.read(0, EVERY_EVENT, 10, until=3)] == [1, 2, 3]
    assert [e.seq for e in await log.read(0, EventFilter.of([b]), 10)] == [3, 4]
    assert [e.seq for e in await log.read(0, EventFilter.of(types=[EventType.ORDER_APPROVED]), 10)] == [2, 4]
    assert await log.read(0, EventFilter.of([a], []), 10) == []
    first = (await log.read(0, EVERY_EVENT, 1))[0]
    assert first.history_entry_id is not None and first.occurred_at.tzinfo is UTC
    assert await log.contains(4) and not await log.contains(5)


async def test_commit_callbacks_run_after_commits_only(sqlite_db: Database) -> None:
    commits: list[str] = []
    sqlite_db.on_commit(lambda: commits.append("commit"))
    row = {"order_id": "o1", "type": "ORDER_UPDATED", "occurred_at": datetime.now(UTC), "source": "local"}
    async with sqlite_db.write() as conn:
        await conn.execute(insert(events_t).values(row))
    assert commits == ["commit"]

    async def fail_after_writing() -> None:
        async with sqlite_db.write() as conn:
            await conn.execute(insert(events_t).values(row))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await fail_after_writing()
    assert commits == ["commit"]
    assert await LocalEventLog(sqlite_db).head() == 1


async def test_background_reads_are_not_counted_as_request_work(sqlite_db: Database) -> None:
    before = sqlite_db.statements
    await LocalEventLog(sqlite_db, background=True).head()
    assert sqlite_db.statements == before
    await LocalEventLog(sqlite_db).head()
    assert sqlite_db.statements > before
