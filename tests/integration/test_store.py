"""The local store on a real SQLite file, used by two engines at once as two gateway processes would."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.backends.local.database import Database
from app.backends.local.migrations import upgrade
from app.backends.local.store import LocalBackend
from app.backends.local.tables import EventRow, HistoryRow, OrderRow
from app.domain import rules
from app.domain.commands import Actor, CreateOrder, LineItemDraft
from app.domain.errors import DomainError, ErrorCode

COMMAND = CreateOrder(currency="EUR", line_items=(LineItemDraft("Mug", 1, Decimal("2.50")),))


async def count(db: Database, table: object) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


@pytest.fixture
async def stores(tmp_path: Path) -> list[LocalBackend]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    await asyncio.to_thread(upgrade, url)
    backends = [LocalBackend(Database(url)), LocalBackend(Database(url))]
    yield backends  # type: ignore[misc]
    for backend in backends:
        await backend.db.dispose()


async def test_two_engines_on_one_file_number_orders_without_gaps(stores: list[LocalBackend]) -> None:
    checked = rules.create_order(COMMAND, datetime.now(UTC))
    made = await asyncio.gather(*(stores[i % 2].create_order(checked, Actor(), None, "") for i in range(30)))
    numbers = sorted(int(order.number) for order in made)
    assert numbers == list(range(10001, 10031))


async def test_a_refused_change_writes_nothing(stores: list[LocalBackend]) -> None:
    store = stores[0]
    checked = rules.create_order(COMMAND, datetime.now(UTC))
    order = await store.create_order(checked, Actor(), "k", "print-1")
    before = [await count(store.db, t.__table__) for t in (OrderRow, HistoryRow, EventRow)]  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as refused:
        await store.create_order(checked, Actor(), "k", "print-2")
    assert refused.value.code is ErrorCode.IDEMPOTENCY_MISMATCH
    with pytest.raises(DomainError):
        await store.remove_line_item(order.id, (await store.line_items([order.id]))[order.id][0].id, Actor())
    after = [await count(store.db, t.__table__) for t in (OrderRow, HistoryRow, EventRow)]  # type: ignore[attr-defined]
    assert after == before
    assert (await store.get_orders([order.id]))[order.id].revision == 1


async def test_times_come_back_aware_utc(stores: list[LocalBackend]) -> None:
    checked = rules.create_order(COMMAND, datetime.now(UTC))
    order = await stores[0].create_order(checked, Actor(), None, "")
    read = (await stores[1].get_orders([order.id]))[order.id]
    assert read.created_at == order.created_at
    assert read.created_at.utcoffset() is not None and read.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
