"""A subscriber that stops reading: it is dropped with a clear error, never slows the others, and resumes."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

import app.server
import schema.view
from app.config import Settings
from app.server import GATEWAY
from tests.conftest import Gateway, new_database, start_gateway
from tests.support.subscriptions import Socket, subscription, wait_for_subscribers

QUEUE = 8
CHANGES = 90
NOTE = "mutation($id: ID!, $i: String!) { addOrderHistory(orderId: $id, input: {message: $i}) { userErrors { code } } }"
BIG = "id order { lineItems { productName } }"  # ~70 kB per event: a stalled socket fills up quickly


@pytest.fixture(scope="module")
async def gateway(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    database_url = await new_database(store, request, tmp_path_factory)
    runner, url = await start_gateway(Settings(database_url=database_url, port=0, events_queue_size=QUEUE))
    async with aiohttp.ClientSession() as http:
        yield Gateway(url, runner.app, http)
    await runner.cleanup()


def small_receive_buffer(addr_info: Any) -> socket.socket:
    """A client socket whose kernel receive buffer is small, so a client that stops reading stalls soon."""
    family, type_, proto, _, _ = addr_info
    sock = socket.socket(family, type_, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return sock


async def test_a_stalled_subscriber_is_dropped_and_the_healthy_one_keeps_up(gateway: Gateway) -> None:
    lines = [{"productName": f"{i:03} " + "x" * 196, "quantity": 1, "price": "1.00"} for i in range(300)]
    order = await gateway.create(lineItems=lines)
    only_it = {"filter": {"orderIds": [order["id"]]}}
    hub = gateway.app[GATEWAY].events.hub

    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(socket_factory=small_receive_buffer)
    ) as slow:
        stalled = await Socket.open(slow, gateway.url)
        await stalled.subscribe("1", subscription(BIG), only_it)
        healthy = await Socket.open(gateway.http, gateway.url)
        await healthy.subscribe("1", subscription("id"), only_it)
        await wait_for_subscribers(gateway.app, 2)

        received_at: dict[str, float] = {}

        async def read_healthy() -> None:
            for _ in range(CHANGES):
                [event] = await healthy.events(1)
                received_at[event["id"]] = time.monotonic()

        reader = asyncio.create_task(read_healthy())
        written_at: list[float] = []
        deepest = 0
        for i in range(CHANGES):  # the stalled client reads nothing meanwhile
            assert (await gateway.query(NOTE, {"id": order["id"], "i": str(i)}))["addOrderHistory"][
                "userErrors"
            ] == []
            written_at.append(time.monotonic())
            deepest = max(deepest, hub.deepest_queue)
        await asyncio.wait_for(reader, 10)

        log = await gateway.query(
            "query($f: OrderEventFilter) { orderEventLog(filter: $f, first: 500) { edges { cursor } } }",
            {"f": only_it["filter"]},
        )
        ids = [edge["cursor"] for edge in log["orderEventLog"]["edges"]][2:]  # after ORDER_CREATED/APPROVED
        assert list(received_at) == ids
        lag = max(received_at[event_id] - written for event_id, written in zip(ids, written_at, strict=True))
        assert lag < 3  # the healthy subscriber never waited for the stalled one (dropped at 8 behind)
        assert 0 < deepest <= QUEUE  # memory stays bounded: the stalled queue filled up to its limit, no more
        assert hub.subscribers == 1  # the stalled one was dropped

        # The stalled client reads again: what was sent before the drop, then the error saying where to resume.
        got: list[str] = []
        while True:
            payload = await stalled.next_payload(seconds=10)
            if "errors" in payload:
                break
            got.append(payload["data"]["orderEvents"]["id"])
        [error] = payload["errors"]
        assert error["extensions"] == {"code": "SLOW_CONSUMER", "after": got[-1]}
        assert "fell more than 8 events behind" in error["message"]
        assert (await stalled.receive())["type"] == "complete"
        assert got == ids[: len(got)] and len(got) < CHANGES

        await stalled.subscribe("2", subscription("id"), {**only_it, "after": error["extensions"]["after"]})
        rest = [event["id"] for event in await stalled.events(CHANGES - len(got))]
        assert got + rest == ids
        await stalled.close()
        await healthy.close()


async def test_a_stalled_subscriber_does_not_hold_up_shutdown(
    store: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.server, "SHUTDOWN_DRAIN_S", 0.5)
    monkeypatch.setattr(schema.view, "CLOSE_TIMEOUT_S", 0.5)
    runner, url = await start_gateway(
        Settings(database_url=await new_database(store, request, tmp_path_factory), port=0)
    )
    async with (
        aiohttp.ClientSession() as http,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(socket_factory=small_receive_buffer)) as slow,
    ):
        gateway = Gateway(url, runner.app, http)
        lines = [{"productName": f"{i:03} " + "x" * 196, "quantity": 1, "price": "1.00"} for i in range(300)]
        order = await gateway.create(lineItems=lines)
        only_it = {"filter": {"orderIds": [order["id"]]}}
        stalled = await Socket.open(slow, url)
        await stalled.subscribe("1", subscription(BIG), only_it)
        healthy = await Socket.open(http, url)
        await healthy.subscribe("1", subscription("id"), only_it)
        await wait_for_subscribers(runner.app, 2)
        for i in range(70):  # more than the stalled socket can buffer
            await gateway.query(NOTE, {"id": order["id"], "i": str(i)})
        await healthy.events(70)
        goodbye = asyncio.create_task(healthy.closed())
        started = time.monotonic()
        async with asyncio.timeout(10):  # aiohttp alone would wait 60 s for the stuck handler
            await runner.cleanup()
        assert time.monotonic() - started < 5
        assert await goodbye == (1001, "server shutting down")
