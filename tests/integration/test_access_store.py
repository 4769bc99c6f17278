"""API keys and the audit log on a real SQLite file, with a second engine playing the CLI's process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.access import Access
from app.audit import AuditTrail
from app.backends.local.audit import LocalAuditLog
from app.backends.local.database import Database
from app.backends.local.keys import LocalKeyStore
from app.backends.local.migrations import upgrade
from app.backends.local.tables import api_keys_t
from app.domain.access import Principal, Scope
from app.domain.audit import AuditEntry

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
    await asyncio.to_thread(upgrade, url)
    server, cli = Database(url), Database(url)
    yield server, cli
    await server.dispose()
    await cli.dispose()


async def test_keys_round_trip_and_only_the_hash_is_stored(databases: tuple[Database, Database]) -> None:
    db, _ = databases
    access = Access(LocalKeyStore(db), lambda: T0)
    assert not await access.keys_configured()
    key, token = await access.create_key("shop frontend", [Scope.ORDERS_WRITE, Scope.ORDERS_READ])
    later, _ = await Access(LocalKeyStore(db), lambda: T0 + timedelta(seconds=1)).create_key(
        "ops", [Scope.ADMIN]
    )
    assert await access.keys_configured()
    assert await access.keys() == [key, later]
    async with db.read() as conn:
        row = (await conn.execute(select(api_keys_t).where(api_keys_t.c.id == key.id))).one()
    secret = token.split("_", 2)[2]
    assert secret not in str(tuple(row)) and row.secret_hash == key.secret_hash
    assert row.scopes == "orders:read orders:write"


async def test_a_key_revoked_by_another_process_fails_on_the_next_check(
    databases: tuple[Database, Database],
) -> None:
    server_db, cli_db = databases
    server = Access(LocalKeyStore(server_db), lambda: T0)
    cli = Access(LocalKeyStore(cli_db), lambda: T0 + timedelta(minutes=1))
    key, token = await cli.create_key("shop", [Scope.ORDERS_READ])
    assert await server.authenticate(token) == Principal("shop", frozenset({Scope.ORDERS_READ}), key.id)
    before = server_db.statements
    revoked = await cli.revoke_key(key.id)
    assert revoked.revoked_at == T0 + timedelta(minutes=1)
    assert await server.authenticate(token) is None
    assert server_db.statements - before == 2  # BEGIN and one lookup by primary key
    assert not await server.keys_configured()
    assert (
        await Access(LocalKeyStore(cli_db), lambda: T0 + timedelta(hours=1)).revoke_key(key.id)
    ) == revoked


async def test_the_revoked_keys_among_many_are_found_in_one_query(
    databases: tuple[Database, Database],
) -> None:
    server_db, cli_db = databases
    server = Access(LocalKeyStore(server_db), lambda: T0)
    cli = Access(LocalKeyStore(cli_db), lambda: T0)
    keys = [(await cli.create_key(f"client {n}", [Scope.EVENTS_READ]))[0] for n in range(3)]
    await cli.revoke_key(keys[1].id)
    before = server_db.statements
    assert await server.revoked([k.id for k in keys] + ["0123456789abcdef"]) == {keys[1].id}
    assert server_db.statements - before == 2  # BEGIN and one SELECT for them all
    assert await server.revoked([]) == set()
    assert server_db.statements - before == 2  # no key in use: no query


async def test_the_audit_log_lists_newest_first_and_is_written_off_the_request_count(
    databases: tuple[Database, Database],
) -> None:
    db, _ = databases
    times = iter(T0 + timedelta(seconds=i) for i in range(10))
    trail = AuditTrail(LocalAuditLog(db), lambda: next(times))
    principal = Principal("shop", frozenset({Scope.ORDERS_WRITE}), "0123456789abcdef")
    before = db.statements
    trail.record(principal, "req-1", "createOrder", ["o-1"], "OK")
    trail.record(principal, "req-2", "cancelOrder", ["o-1", "o-2", "o-1"], "INVALID_TRANSITION")
    trail.record(Principal("system", frozenset()), "req-3", "approveOrder", [], "FORBIDDEN")
    await trail.drain()
    assert db.statements == before
    newest = await trail.latest(2)
    assert newest == [
        AuditEntry(T0 + timedelta(seconds=2), "req-3", "system", None, "approveOrder", (), "FORBIDDEN"),
        AuditEntry(
            T0 + timedelta(seconds=1),
            "req-2",
            "shop",
            principal.key_id,
            "cancelOrder",
            ("o-1", "o-2"),
            "INVALID_TRANSITION",
        ),
    ]
    assert [e.request_id for e in await trail.latest(10)] == ["req-3", "req-2", "req-1"]


async def test_a_failed_audit_write_is_logged_not_raised(
    databases: tuple[Database, Database], caplog
) -> None:  # type: ignore[no-untyped-def]
    db, _ = databases
    trail = AuditTrail(LocalAuditLog(db), lambda: T0)
    async with db.write() as conn:
        await conn.execute(text("DROP TABLE audit_log"))
    trail.record(Principal("shop", frozenset()), "req-9", "createOrder", [], "OK")
    await trail.drain()
    assert "could not write the audit entry of createOrder (request req-9)" in caplog.text
