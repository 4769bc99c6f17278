"""The free-text index (`order_words`): its plans use the index, and a migrated store fills it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import text

from app.backends.local import queries
from app.backends.local.database import Database
from app.backends.local.migrations import alembic_config, upgrade
from app.backends.local.store import LocalBackend
from app.domain import rules
from app.domain.commands import Actor, CreateOrder, LineItemDraft
from app.domain.listing import OrderFilter, OrderQuery, OrderSort
from app.domain.model import Buyer
from tests.conftest import STORES, new_database


@pytest.fixture(params=STORES)
async def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    found = await new_database(request.param, request, tmp_path_factory)
    await asyncio.to_thread(upgrade, found)
    return found


async def create(db: Database, first_name: str, product: str) -> str:
    cmd = CreateOrder(
        currency="EUR",
        buyer=Buyer(first_name=first_name),
        line_items=(LineItemDraft(product, 1, Decimal("2.50")),),
    )
    order = await LocalBackend(db).create_order(rules.create_order(cmd, datetime.now(UTC)), Actor(), None, "")
    return order.id


async def search(db: Database, query: str) -> set[str]:
    page = await LocalBackend(db).search_orders(OrderQuery(OrderFilter(query=query), OrderSort(), 50))
    return {order.id for order in page.orders}


async def test_a_text_search_reads_a_range_of_the_word_index(url: str) -> None:
    db = Database(url)
    try:
        stmt = queries.page_select(OrderQuery(OrderFilter(query="ann mug"), OrderSort(), 50))
        sql = str(stmt.compile(db.engine.sync_engine, compile_kwargs={"literal_binds": True}))
        async with db.read() as conn:
            if db.is_sqlite:
                plan = " | ".join(row[3] for row in await conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
                assert "SEARCH order_words USING COVERING INDEX" in plan, plan
                assert "SCAN order_words" not in plan and "SCAN orders" not in plan, plan
            else:
                await conn.execute(
                    text("SET LOCAL enable_seqscan = off")
                )  # tables this small would be scanned
                plan = " | ".join(row[0] for row in await conn.execute(text("EXPLAIN " + sql)))
                assert "Index Only Scan using order_words_pkey on order_words" in plan, plan
                assert "Seq Scan on order_words" not in plan, plan
    finally:
        await db.dispose()


async def test_the_migration_indexes_the_orders_there_are_already(url: str) -> None:
    db = Database(url)
    try:
        ann = await create(db, "Ann", "Blue Mug")
        bob = await create(db, "Bob", "Green Teapot")
        await db.dispose()
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0005")  # no index table
        await asyncio.to_thread(upgrade, url)
        assert await search(db, "ann") == {ann}
        assert await search(db, "tea") == {bob}
        assert await search(db, "mu an") == {ann}
    finally:
        await db.dispose()
