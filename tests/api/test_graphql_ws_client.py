"""The graphql-ws npm client (what GraphiQL and most JavaScript apps use), run by Node over a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from app.config import Settings
from tests.api.test_order_mutations import APPROVE
from tests.conftest import Gateway, new_database, start_gateway
from tests.support.subscriptions import NodeClient, subscription, wait_for_subscribers

FIELDS = "id type orderId order { status } historyEntry { kind }"


@pytest.fixture(scope="module")
async def gateway(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    """A gateway that pings WebSockets every 0.3 s."""
    database_url = await new_database(store, request, tmp_path_factory)
    runner, url = await start_gateway(Settings(database_url=database_url, port=0, ws_keep_alive_s=0.3))
    async with aiohttp.ClientSession() as http:
        yield Gateway(url, runner.app, http)
    await runner.cleanup()


async def test_the_npm_client_follows_live_events(gateway: Gateway) -> None:
    # As GraphiQL does: the page's own origin; and the client's own keep-alive pings, once a second.
    client = await NodeClient.subscribe(gateway.url, subscription(FIELDS), origin=gateway.url, keepAlive=1000)
    try:
        await client.next_event("connected")
        await wait_for_subscribers(gateway.app, 1)
        order = await gateway.create(status="INITIALIZED")
        await gateway.query(APPROVE, {"id": order["id"]})
        received = [(await client.next_event("next"))["result"]["data"]["orderEvents"] for _ in range(2)]
        assert [(e["type"], e["orderId"], e["historyEntry"]["kind"]) for e in received] == [
            ("ORDER_CREATED", order["id"], "ORDER_CREATED"),
            ("ORDER_APPROVED", order["id"], "ORDER_APPROVED"),
        ]
        assert received[1]["order"] == {"status": "APPROVED"}
        await client.next_event("ws-ping")  # the server pinged (WebSocket ping frames); ws answers itself
        await client.next_event("pong")  # the client pinged (protocol ping messages); the server answered
    finally:
        await client.stop()
    await wait_for_subscribers(gateway.app, 0)


async def test_the_npm_client_resumes_after_a_cursor_and_sees_errors(gateway: Gateway) -> None:
    order = await gateway.create(status="INITIALIZED")
    await gateway.query(APPROVE, {"id": order["id"]})
    query = "subscription($after: String) { orderEvents(after: $after) { id type } }"
    bad = await NodeClient.subscribe(gateway.url, query, variables={"after": "bG9jYWw6T3JkZXJFdmVudDo5OTk5"})
    try:
        error = await bad.next_event("error")
        assert error["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    finally:
        await bad.stop()
    log = await gateway.query("{ orderEventLog(first: 500) { edges { cursor node { type } } } }")
    edges = log["orderEventLog"]["edges"]
    resumed = await NodeClient.subscribe(gateway.url, query, variables={"after": edges[-2]["cursor"]})
    try:
        replayed = (await resumed.next_event("next"))["result"]["data"]["orderEvents"]
        assert replayed == {"id": edges[-1]["cursor"], "type": "ORDER_APPROVED"}
    finally:
        await resumed.stop()
