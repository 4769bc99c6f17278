"""A gateway starts on any store and leaves it at the head revision: fresh, already there, or behind."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from app.backends.local.migrations import alembic_config, upgrade
from app.backends.local.revision import HEAD, sqlite_behind_head
from app.config import Settings
from app.server import create_app
from tests.conftest import STORES, new_database
from tests.support.processes import gateway_process

T = TypeVar("T")


def test_the_head_constant_is_alembics_head() -> None:
    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD


async def start_together(url: str, count: int, **settings: Any) -> None:
    """Starts `count` gateways on `url` at once (each runs its start-up), then stops them."""
    runners = [web.AppRunner(create_app(Settings(database_url=url, **settings))) for _ in range(count)]
    try:
        await asyncio.gather(*(runner.setup() for runner in runners))
    finally:
        await asyncio.gather(*(runner.cleanup() for runner in runners))


async def on_connection(url: str, read: Callable[[Connection], T]) -> T:
    """What `read` finds on a connection of its own to `url`."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def schema_state(url: str) -> tuple[str | None, list[object]]:
    """The stored revision, and how the schema differs from the table declarations."""

    def state(sync: Connection) -> tuple[str | None, list[object]]:
        context = MigrationContext.configure(sync)
        return context.get_current_revision(), compare_metadata(context, SQLModel.metadata)

    return await on_connection(url, state)


@pytest.mark.parametrize("store", STORES)
async def test_gateways_starting_together_on_a_new_database_make_the_head_schema_once(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database(store, request, tmp_path_factory)
    await start_together(url, 3)
    assert await schema_state(url) == (HEAD, [])
    await asyncio.to_thread(upgrade, url)  # Alembic finds it at head: nothing to do
    assert await schema_state(url) == (HEAD, [])


async def stored_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the database, by table name."""

    def read(sync: Connection) -> dict[str, list[tuple[object, ...]]]:
        return {
            name: sorted(tuple(row) for row in sync.exec_driver_sql(f"SELECT * FROM {name}"))
            for name in inspect(sync).get_table_names()
        }

    return await on_connection(url, read)


async def reflected_schema(url: str) -> dict[str, list[object]]:
    """Each table's columns, keys, indexes and constraints as the database reports them (in any order)."""

    def facts(items: Iterable[Mapping[str, object]]) -> list[str]:
        return sorted(repr(sorted(item.items())) for item in items)

    def reflect(sync: Connection) -> dict[str, list[object]]:
        found = inspect(sync)
        return {
            name: [
                facts(found.get_columns(name)),
                found.get_pk_constraint(name),
                facts(found.get_foreign_keys(name)),
                facts(found.get_indexes(name)),
                facts(found.get_unique_constraints(name)),
            ]
            for name in found.get_table_names()
        }

    return await on_connection(url, reflect)


@pytest.mark.parametrize("store", STORES)
async def test_a_new_store_is_what_the_migrations_make_schema_and_rows(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    started = await new_database(store, request, tmp_path_factory)
    migrated = await new_database(store, request, tmp_path_factory)
    await start_together(started, 1)
    await asyncio.to_thread(upgrade, migrated)
    assert await reflected_schema(started) == await reflected_schema(migrated)
    assert await stored_rows(started) == await stored_rows(migrated)


@pytest.mark.parametrize("store", STORES)
async def test_gateways_starting_on_an_older_revision_migrate_it(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database(store, request, tmp_path_factory)
    await asyncio.to_thread(upgrade, url, "0006")
    # Alembic's runs take turns on PostgreSQL only (its advisory lock): SQLite gets one gateway at a time.
    await start_together(url, 2 if store == "postgresql" else 1)
    assert await schema_state(url) == (HEAD, [])


async def test_a_start_up_waits_out_a_migration_in_progress_beyond_its_statement_timeout(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database("postgresql", request, tmp_path_factory)
    engine = create_async_engine(url)
    async with engine.begin() as conn:  # holds the migrations' lock, as a migrating process does
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('orders_gateway_migrations'))"))
        starting = asyncio.create_task(start_together(url, 1, db_statement_timeout_ms=50))
        await asyncio.sleep(0.5)
        assert not starting.done()
    await engine.dispose()
    await starting
    assert await schema_state(url) == (HEAD, [])


async def test_a_failed_migration_stops_the_start_up(tmp_path_factory: pytest.TempPathFactory) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('unknown') / 'orders.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'from-the-future'")
    await engine.dispose()
    with pytest.raises(RuntimeError, match="orders-gateway migrate exited with 1"):
        await start_together(url, 1)


async def test_serve_tells_a_sqlite_file_behind_head_from_the_others(tmp_path: Path) -> None:
    def url(name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / name}"

    await asyncio.to_thread(upgrade, url("behind.db"), "0006")
    await asyncio.to_thread(upgrade, url("head.db"))
    sqlite3.connect(tmp_path / "empty.db").close()
    assert sqlite_behind_head(url("behind.db"))
    assert sqlite_behind_head(url("behind.db") + "?timeout=5")
    for other in (url("head.db"), url("empty.db"), url("missing.db"), "sqlite+aiosqlite:///:memory:"):
        assert not sqlite_behind_head(other), other
    assert not sqlite_behind_head("postgresql+asyncpg://postgres@/orders")


async def test_serve_migrates_a_sqlite_file_behind_head_before_it_is_ready(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(upgrade, url, "0006")
    async with gateway_process(url):
        assert await schema_state(url) == (HEAD, [])
