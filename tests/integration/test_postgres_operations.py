"""Operating on PostgreSQL: the pool bound, the statement timeout, and a database restart under load.

The restart tests run their own PostgreSQL server (from the same `pgserver` binaries), so stopping it
disturbs no other test.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import asyncpg
import pgserver
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import bootstrap
from app.backends.local.database import Database
from app.backends.local.upstream_events import UpstreamEvent, UpstreamEventLog
from app.config import Settings
from app.domain.model import EventType
from app.server import GATEWAY
from tests.api.test_event_log import events_since, head
from tests.conftest import CREATE, Gateway, new_database, order_input, start_gateway
from tests.support.subscriptions import Socket, subscription


@pytest_asyncio.fixture(scope="module")
async def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    return await new_database("postgresql", request, tmp_path_factory)


async def test_a_process_never_opens_more_connections_than_its_pool_size(database: str) -> None:
    gateway = bootstrap.build(Settings(database_url=database, db_pool_size=2))
    db = gateway.database

    async def backend_pid() -> int:
        async with db.read() as conn:
            return int((await conn.execute(text("SELECT pg_backend_pid() FROM pg_sleep(0.2)"))).scalar_one())

    try:
        pids = await asyncio.gather(*(backend_pid() for _ in range(8)))
        assert len(set(pids)) == 2
    finally:
        await gateway.close()


async def test_statements_over_the_timeout_are_cancelled(database: str) -> None:
    gateway = bootstrap.build(Settings(database_url=database, db_statement_timeout_ms=300))
    db = gateway.database
    try:
        async with db.read() as conn:
            assert (await conn.execute(text("SHOW statement_timeout"))).scalar_one() == "300ms"
            await conn.execute(text("SELECT pg_sleep(0.1)"))
        started = time.monotonic()
        with pytest.raises(DBAPIError, match="canceling statement due to statement timeout"):
            async with db.read() as conn:
                await conn.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 3
    finally:
        await gateway.close()


async def test_without_a_timeout_setting_the_servers_default_applies(database: str) -> None:
    db = Database(database)
    try:
        async with db.read() as conn:
            assert (await conn.execute(text("SHOW statement_timeout"))).scalar_one() == "0"
    finally:
        await db.dispose()


# ------------------------------------------------------------------------------ a server that restarts


@dataclass
class Server:
    """A PostgreSQL server of this module's own, which a test may stop and start again."""

    pgdata: Path
    socket_dir: str
    user: str | None  # the system user pgserver runs the server as when the tests run as root

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@/postgres?host={self.socket_dir}"

    def stop(self) -> None:
        pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user, timeout=30)

    def start(self) -> None:
        options = ["-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.pgdata / "log")]
        pgserver.pg_ctl(["-w", *options, "start"], pgdata=self.pgdata, user=self.user, timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    pgdata = tmp_path_factory.mktemp("restarting")
    handle = pgserver.get_server(pgdata, cleanup_mode="stop")
    socket_dir = parse_qs(urlsplit(handle.get_uri()).query)["host"][0]
    yield Server(pgdata, socket_dir, handle.system_user)
    handle.cleanup()


@pytest_asyncio.fixture(scope="module")
async def served(server: Server) -> AsyncIterator[Gateway]:
    runner, url = await start_gateway(Settings(database_url=server.url, port=0, events_poll_ms=60000))
    async with aiohttp.ClientSession() as http:
        yield Gateway(url, runner.app, http)
    await runner.cleanup()


async def ready(gateway: Gateway) -> int:
    async with gateway.http.get(gateway.url + "/readyz") as response:
        return response.status


async def until(check: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.1)


async def test_readyz_fails_while_the_database_is_down_and_recovers_when_it_returns(
    served: Gateway, server: Server
) -> None:
    assert await ready(served) == 200
    await asyncio.to_thread(server.stop)
    try:
        await until(lambda: _is(ready(served), 503))
    finally:
        await asyncio.to_thread(server.start)
    await until(lambda: _is(ready(served), 200))
    await served.create()  # the pool has reconnected: writes work again


async def test_after_a_restart_other_writers_wake_subscribers_again(served: Gateway, server: Server) -> None:
    order = await served.create()
    await asyncio.to_thread(server.stop)
    await asyncio.to_thread(server.start)
    await until(lambda: _is(ready(served), 200))
    notifications = served.app[GATEWAY].notifications
    assert notifications is not None
    await asyncio.wait_for(notifications.listening.wait(), 10)  # LISTENing again on a new connection

    socket = await Socket.open(served.http, served.url)
    await socket.subscribe("1", subscription(), {"after": await head(served)})
    await asyncio.sleep(0.3)
    other_writer = Database(server.url)  # not this gateway's database: only NOTIFY tells it
    try:
        log = UpstreamEventLog(other_writer, "local", lambda: datetime.now(UTC))
        await log.append(
            [UpstreamEvent("restart-check", EventType.ORDER_UPDATED, order["id"], datetime.now(UTC))]
        )
    finally:
        await other_writer.dispose()
    [event] = await socket.events(1, seconds=10)  # the gateway polls once a minute here
    assert (event["type"], event["orderId"]) == ("ORDER_UPDATED", order["id"])
    await socket.close()


async def _is(status: Any, wanted: int) -> bool:
    return bool(await status == wanted)


async def test_a_restart_during_load_loses_no_committed_change(served: Gateway, server: Server) -> None:
    start = await head(served)
    socket = await Socket.open(served.http, served.url)
    await socket.subscribe("1", subscription(), {"after": start})
    acknowledged: dict[str, dict[str, Any]] = {}  # idempotency key -> the order the gateway answered with
    failures = 0
    keys = (f"restart-{i}" for i in itertools.count())
    stop_at = time.monotonic() + 4

    async def client() -> None:
        nonlocal failures
        while time.monotonic() < stop_at:
            key, body = next(keys), order_input()
            while True:  # a client retries with its idempotency key until it gets an answer
                try:
                    status, answer = await served.post(
                        {"query": CREATE, "variables": {"input": body, "key": key}}
                    )
                except aiohttp.ClientError:
                    status, answer = 0, {}
                if status == 200 and not answer.get("errors"):
                    acknowledged[key] = answer["data"]["createOrder"]["order"]
                    break
                failures += 1
                await asyncio.sleep(0.05)

    async def restart() -> None:
        await asyncio.sleep(1)
        await asyncio.to_thread(server.stop)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(server.start)

    await asyncio.gather(*(client() for _ in range(8)), restart())

    assert failures > 0  # the restart did interrupt requests
    assert len(acknowledged) > 20
    ids = {order["id"] for order in acknowledged.values()}
    assert len(ids) == len(acknowledged)  # no key made two orders
    stored = await _stored(server, ids)
    assert stored == sorted(int(order["number"]) for order in acknowledged.values())
    assert stored == list(range(stored[0], stored[0] + len(stored)))  # gap-free: nothing half-made

    # The subscriber open across the restart gets every created order's event, in log order.
    created = [event for event in await _all_since(served, start) if event["type"] == "ORDER_CREATED"]
    assert {event["orderId"] for event in created} == ids
    received = await socket.events(len(await _all_since(served, start)), seconds=15)
    assert [event["id"] for event in received] == [event["id"] for event in await _all_since(served, start)]
    await socket.close()


async def _all_since(gateway: Gateway, cursor: str | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while page := await events_since(gateway, cursor):
        found += page
        cursor = page[-1]["id"]
    return found


async def _stored(server: Server, ids: set[str]) -> list[int]:
    """The numbers of the orders the database holds among `ids`, read with a connection of its own."""
    conn = await asyncpg.connect(host=server.socket_dir, user="postgres", database="postgres")
    try:
        rows = await conn.fetch("SELECT number FROM orders WHERE id = ANY($1::text[])", list(ids))
    finally:
        await conn.close()
    return sorted(int(row["number"]) for row in rows)
