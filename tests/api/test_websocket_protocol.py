"""The WebSocket protocols on /graphql: close codes for misbehaving clients, keep-alives, GraphiQL."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from app.config import Settings
from tests.conftest import Gateway, start_gateway
from tests.support.subscriptions import LEGACY, TRANSPORT, Socket, subscription, wait_for_subscribers, ws_url

SUBSCRIBE = {"type": "subscribe", "id": "1", "payload": {"query": subscription()}}
START = {"type": "start", "id": "1", "payload": {"query": subscription()}}

MISBEHAVIOUR: list[tuple[str, bool, list[Any], int]] = [
    # protocol, send connection_init first, messages, expected close code
    (TRANSPORT, True, ["not json"], 4400),
    (TRANSPORT, True, [b"\x00\x01"], 4400),
    (TRANSPORT, True, ["[1, 2]"], 4400),
    (TRANSPORT, True, [{"type": "subscribe", "id": "1", "payload": "x"}], 4400),
    (TRANSPORT, True, [{"type": "subscribe", "id": "", "payload": {"query": "{ x }"}}], 4400),
    (TRANSPORT, True, [{"type": "next", "id": "1", "payload": {}}], 4400),
    (TRANSPORT, True, [START], 4400),
    (TRANSPORT, True, [{"type": "subscribe", "id": "1", "payload": {"query": "subscription {"}}], 4400),
    (TRANSPORT, False, [SUBSCRIBE], 4401),
    (TRANSPORT, True, [{"type": "connection_init"}], 4429),
    (TRANSPORT, True, [SUBSCRIBE, SUBSCRIBE], 4409),
    (TRANSPORT, False, [{"type": "connection_init", "payload": "x"}], 4400),
    (LEGACY, True, ["not json"], 1002),
    (LEGACY, True, [b"\x00\x01"], 1002),
    (LEGACY, True, [{"type": "bogus"}], 1002),
    (LEGACY, True, [{"type": "start", "id": "1"}], 1002),
    (LEGACY, False, [START], 4401),
]


@pytest.mark.parametrize(("protocol", "init", "messages", "code"), MISBEHAVIOUR)
async def test_a_misbehaving_client_gets_the_protocols_close_code_and_the_server_stays_up(
    gateway: Gateway, protocol: str, init: bool, messages: list[Any], code: int
) -> None:
    socket = await Socket.open(gateway.http, gateway.url, protocol, init=init)
    for message in messages:
        if isinstance(message, bytes):
            await socket.ws.send_bytes(message)
        elif isinstance(message, str):
            await socket.ws.send_str(message)
        else:
            await socket.send(message)
    assert (await socket.closed())[0] == code
    healthy = await Socket.open(gateway.http, gateway.url, protocol)
    await healthy.subscribe("1", subscription())
    await wait_for_subscribers(gateway.app, 1)
    order = await gateway.create()
    assert [e["orderId"] for e in await healthy.events(2)] == [order["id"]] * 2
    await healthy.close()
    await wait_for_subscribers(gateway.app, 0)


async def test_an_unknown_subprotocol_is_refused(gateway: Gateway) -> None:
    ws = await gateway.http.ws_connect(ws_url(gateway.url), protocols=["chat"])
    await ws.receive()
    assert ws.close_code == 4406


@pytest.fixture(scope="module")
async def pinging(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A gateway that pings every 0.2 s."""
    path: Path = tmp_path_factory.mktemp("ping") / "orders.db"
    runner, url = await start_gateway(
        Settings(database_url=f"sqlite+aiosqlite:///{path}", port=0, ws_keep_alive_s=0.2)
    )
    yield url
    await runner.cleanup()


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_keep_alive_pings_and_unresponsive_peers_are_dropped(pinging: str, protocol: str) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(ws_url(pinging), protocols=[protocol], autoping=False)
        await ws.send_json({"type": "connection_init"})
        seen: list[Any] = []
        while True:  # never answering the pings
            message = await ws.receive(timeout=3)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                break
            seen.append(message.type if message.type is aiohttp.WSMsgType.PING else message.json()["type"])
    assert seen[0] == "connection_ack"
    assert aiohttp.WSMsgType.PING in seen
    if protocol == LEGACY:
        assert "ka" in seen


async def test_a_client_answering_pings_stays_connected(pinging: str) -> None:
    async with aiohttp.ClientSession() as http:
        socket = await Socket.open(http, pinging)
        await socket.subscribe("1", subscription())
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1):
                await socket.receive()  # pings come and are answered; nothing else happens
        await socket.send({"type": "ping"})
        assert (await socket.receive())["type"] == "pong"


async def test_graphiql_subscribes_over_the_same_origin(gateway: Gateway) -> None:
    async with gateway.http.get(gateway.url + "/graphql", headers={"Accept": "text/html"}) as response:
        page = await response.text()
    # The page derives ws://<its host>/graphql from its own address and hands it to the graphql-ws client.
    assert re.search(r"subscriptionUrl\s*=\s*httpUrlToWebSockeUrl\(fetchURL\)", page)
    assert "createFetcher" in page and "subscriptionUrl," in page
    same_origin = await gateway.http.ws_connect(
        ws_url(gateway.url), protocols=[TRANSPORT], origin=gateway.url
    )
    await same_origin.send_json({"type": "connection_init"})
    assert (await same_origin.receive_json())["type"] == "connection_ack"
    await same_origin.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await gateway.http.ws_connect(
            ws_url(gateway.url), protocols=[TRANSPORT], origin="https://evil.example"
        )
    assert refused.value.status == 403
