"""Bringing the local store to the head revision at start-up, without Alembic in the serving process.

Alembic and its migration scripts cost the server about 10 MiB of memory that it would keep for good, so
the serving process only reads the stored revision: at `HEAD` there is nothing to do; an empty database
gets the head schema made from the table declarations, the rows the migrations seed and `HEAD` stamped,
in one transaction (tests pin all of it to what the migrations make); a database at an older revision
is migrated by `orders-gateway migrate` in a child process (which `serve` starts before its own imports
when a SQLite file shows it: app/backends/local/revision.py). Processes starting together on one
PostgreSQL database take turns through the advisory lock the migrations take too (migrations/env.py); on
SQLite the write transaction already runs alone.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, insert, inspect, select, text
from sqlmodel import SQLModel

from app.backends.local.database import serialize
from app.backends.local.queries import ORDER_COUNT
from app.backends.local.revision import HEAD, MigrationFailed, migrate_command
from app.backends.local.tables import counters_t

if TYPE_CHECKING:
    import subprocess

    from app.backends.local.database import Database

MIGRATIONS_LOCK = "orders_gateway_migrations"

# Alembic's own bookkeeping table, declared as Alembic creates it.
alembic_version = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


async def bring_to_head(database: Database, migrating: subprocess.Popen[bytes] | None = None) -> None:
    """Leaves the store at `HEAD`: as it is, created from scratch, or migrated by a child process (the
    one `migrating` already started, if any, is waited for first)."""
    if migrating is not None and await asyncio.to_thread(migrating.wait) != 0:
        raise MigrationFailed(f"orders-gateway migrate exited with {migrating.returncode}")
    async with database.write(counted=False) as conn:
        if conn.dialect.name == "postgresql":
            # Waiting for another process's migration, or making the schema, may outlast a statement timeout.
            await conn.execute(text("SET LOCAL statement_timeout = 0"))
        await serialize(conn, MIGRATIONS_LOCK)
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        if alembic_version.name in tables:
            if (await conn.execute(select(alembic_version.c.version_num))).scalar() == HEAD:
                return
        elif not tables:
            await conn.run_sync(SQLModel.metadata.create_all)
            await conn.run_sync(alembic_version.create)
            await conn.execute(insert(counters_t).values(name=ORDER_COUNT, value=0))  # as 0006 seeds it
            await conn.execute(alembic_version.insert().values(version_num=HEAD))
            return
    await _migrate_in_child(database.url)


async def _migrate_in_child(url: str) -> None:
    """Runs `orders-gateway migrate` on `url` (its errors go to this process's standard error)."""
    argv, env = migrate_command(url, os.environ)
    child = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.DEVNULL)
    if await child.wait() != 0:
        raise MigrationFailed(f"orders-gateway migrate exited with {child.returncode}")
