"""Gateways as separate OS processes on one SQLite file: events cross processes; SIGTERM closes cleanly."""

from __future__ import annotations

import asyncio
import signal
import time

import aiohttp

from app.server import SETTINGS
from tests.api.test_event_log import head
from tests.api.test_order_mutations import APPROVE
from tests.conftest import Gateway
from tests.support.processes import gateway_process
from tests.support.subscriptions import LEGACY, TRANSPORT, Socket, subscription, wait_for_subscribers

NOTE = "mutation($id: ID!, $i: String!) { addOrderHistory(orderId: $id, input: {message: $i}) { userErrors { code } } }"


async def test_a_change_made_through_one_process_reaches_subscribers_of_the_other(gateway: Gateway) -> None:
    database = gateway.app[SETTINGS].database_url
    async with gateway_process(database, events_poll_ms="50") as other, aiohttp.ClientSession() as http:
        # A subscriber of the other process hears of a change made here (it polls the shared log) ...
        there = await Socket.open(http, other.url)
        await there.subscribe("1", subscription(), {"after": await head(gateway)})
        order = await gateway.create(status="INITIALIZED")
        started = time.monotonic()
        [created] = await there.events(1)
        assert (created["type"], created["orderId"]) == ("ORDER_CREATED", order["id"])
        assert time.monotonic() - started < 5  # a poll of 50 ms; generous for a loaded machine

        # ... and a subscriber here hears of a change made there.
        here = await Socket.open(gateway.http, gateway.url)
        await here.subscribe("1", subscription())
        await wait_for_subscribers(gateway.app, 1)
        async with http.post(
            other.url + "/graphql", json={"query": APPROVE, "variables": {"id": order["id"]}}
        ) as r:
            assert (await r.json())["data"]["approveOrder"]["userErrors"] == []
        [approved] = await here.events(1)
        [approved_there] = await there.events(1)
        assert approved == approved_there
        assert (approved["type"], approved["orderId"]) == ("ORDER_APPROVED", order["id"])
        await here.close()
        await there.close()


async def test_sigterm_delivers_the_committed_events_then_closes_with_going_away(gateway: Gateway) -> None:
    database = gateway.app[SETTINGS].database_url
    order = await gateway.create()
    start = await head(gateway)
    # It polls once a minute: the events written here reach it only by its last read before it stops.
    async with gateway_process(database, events_poll_ms="60000") as other, aiohttp.ClientSession() as http:
        sockets = [await Socket.open(http, other.url, protocol) for protocol in (TRANSPORT, LEGACY)]
        for socket in sockets:
            await socket.subscribe("1", subscription("id"), {"after": start})
        await asyncio.sleep(0.2)  # both caught up with the log, and now wait for live events
        for i in range(20):
            await gateway.query(NOTE, {"id": order["id"], "i": str(i)})
        other.process.send_signal(signal.SIGTERM)
        for socket in sockets:
            received = [event["id"] for event in await socket.events(20)]
            assert len(set(received)) == 20
            assert await socket.closed() == (1001, "server shutting down")
        assert await asyncio.wait_for(other.process.wait(), 15) == 0
        output = await other.output()
    assert "Traceback" not in output, output
