"""The Alembic history builds exactly the tables the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import app.backends.local.tables  # noqa: F401  (registers the tables)
from app.backends.local.migrations import upgrade
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
