"""The Alembic history builds exactly the tables the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import app.backends.local.tables  # noqa: F401  (registers the tables)
from app.backends.local.migrations import upgrade
from app.backends.local.tables import orders_t
from tests.conftest import STORES, new_database


@pytest.mark.parametrize("store", STORES)
async def test_migrations_match_the_models(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database(store, request, tmp_path_factory)
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
        )
    await engine.dispose()
    assert diff == []


@pytest.mark.parametrize("store", STORES)
async def test_upgrading_twice_is_harmless(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database(store, request, tmp_path_factory)
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(upgrade, url)


async def test_a_migrated_sqlite_file_is_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}"
    await asyncio.to_thread(upgrade, url)
    with sqlite3.connect(tmp_path / "wal.db") as plain:  # a connection that sets no pragma of its own
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize("store", STORES)
async def test_the_customer_index_is_filled_for_the_orders_there_are_already(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database(store, request, tmp_path_factory)
    await asyncio.to_thread(upgrade, url, "0006")
    buyer = {"customer_id": "cust-9", "email": "old@example.com"}
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(insert(orders_t).values(_order_row("o1", buyer)))
        await conn.execute(insert(orders_t).values(_order_row("o2", None)))
    await asyncio.to_thread(upgrade, url)
    async with engine.connect() as conn:
        rows = await conn.execute(select(orders_t.c.id, orders_t.c.buyer_customer_id).order_by(orders_t.c.id))
        assert rows.all() == [("o1", "cust-9"), ("o2", None)]
    await engine.dispose()


def _order_row(order_id: str, buyer: dict[str, str] | None) -> dict[str, object]:
    """The columns an order row had at revision 0006."""
    now = datetime.now(UTC)
    return {
        "id": order_id,
        "number": int(order_id[1:]),
        "status": "APPROVED",
        "payment_status": "NOT_PAID",
        "fulfillment_status": "NOT_FULFILLED",
        "delivery_status": "NOT_SHIPPED",
        "currency": "EUR",
        "buyer": buyer,
        "subtotal": 0,
        "discount_total": 0,
        "shipping_total": 0,
        "tax": 0,
        "total": 0,
        "paid": 0,
        "refunded": 0,
        "due": 0,
        "revision": 1,
        "created_at": now,
        "updated_at": now,
        "search_text": f" {order_id}",
    }
