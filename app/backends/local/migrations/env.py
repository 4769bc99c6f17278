"""Alembic environment: runs migrations through the async engine of the configured URL."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

import app.backends.local.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Gateway processes started together each migrate at start: one at a time, the others then
            # find the database at head. (DDL is transactional there; the lock ends with the transaction.)
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('orders_gateway_migrations'))"))
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(
        context.config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool
    )
    if engine.dialect.name == "sqlite":
        # WAL is a property of the file: set once here, later connections find it on and need no lock to
        # switch (two processes opening a fresh file at once could otherwise fail "database is locked").
        async with engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            await connection.commit()
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
