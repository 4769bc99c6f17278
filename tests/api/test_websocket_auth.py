"""API keys on WebSockets, over real sockets: the key in `connection_init` (both subprotocols and the npm
client), refusals with each protocol's close, and open subscriptions closed when their key is revoked."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest

from app.domain.access import Scope
from app.server import GATEWAY
from tests.conftest import CREATE, PAYLOAD, Gateway, KeyedGateway, bearer, order_input
from tests.support.cli import orders_gateway
from tests.support.subscriptions import (
    LEGACY,
    TRANSPORT,
    NodeClient,
    Socket,
    subscription,
    wait_for_subscribers,
)

HISTORY = f"""mutation($id: ID!) {{ addOrderHistory(orderId: $id, input: {{message: "over ws"}}) {{ {PAYLOAD} }} }}"""


def shapes(token: str) -> list[dict[str, Any]]:
    """The `connection_init` payloads clients carry a key in."""
    return [
        {"Authorization": f"Bearer {token}"},
        {"authorization": f"Bearer {token}"},
        {"headers": {"Authorization": f"Bearer {token}"}},
        {"headers": {"authorization": f"Bearer {token}"}},
    ]


async def create_order(gateway: KeyedGateway) -> dict[str, Any]:
    data = await gateway.query(CREATE, {"input": order_input()}, **gateway.as_client("all"))
    return data["createOrder"]["order"]  # type: ignore[no-any-return]


async def refused(gateway: Gateway, protocol: str, payload: dict[str, Any] | None) -> tuple[Any, int | None]:
    """What a socket that opens without a header and sends `payload` in `connection_init` gets: the
    message before the close (None for none) and the close code."""
    socket = await Socket.open(gateway.http, gateway.url, protocol, init=False)
    try:
        await socket.send(
            {"type": "connection_init", **({"payload": payload} if payload is not None else {})}
        )
        message = await socket.ws.receive(timeout=5)
        before = None
        if message.type is aiohttp.WSMsgType.TEXT:
            before = message.json()
            message = await socket.ws.receive(timeout=5)
        assert message.type is aiohttp.WSMsgType.CLOSE, message
        return before, message.data
    finally:
        await socket.close()


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
@pytest.mark.parametrize("shape", range(4))
async def test_a_key_in_connection_init_authenticates_the_connection(
    keyed_gateway: KeyedGateway, protocol: str, shape: int
) -> None:
    payload = shapes(keyed_gateway.tokens[f"only {Scope.EVENTS_READ}"])[shape]
    socket = await Socket.open(keyed_gateway.http, keyed_gateway.url, protocol, payload=payload)
    try:
        await socket.subscribe("1", subscription())
        await wait_for_subscribers(keyed_gateway.app, 1)
        order = await create_order(keyed_gateway)
        [event] = await socket.events(1)
        assert (event["type"], event["orderId"]) == ("ORDER_CREATED", order["id"])
    finally:
        await socket.close()
    await wait_for_subscribers(keyed_gateway.app, 0)


async def test_the_payloads_key_is_whom_the_connection_acts_as(keyed_gateway: KeyedGateway) -> None:
    order = await create_order(keyed_gateway)
    payload = shapes(keyed_gateway.tokens["only orders:write"])[0]
    socket = await Socket.open(keyed_gateway.http, keyed_gateway.url, payload=payload)
    try:
        await socket.subscribe("m", HISTORY, {"id": order["id"]})
        changed = (await socket.next_payload())["data"]["addOrderHistory"]["order"]
        assert changed["history"][-1]["author"] == "only orders:write"
        assert await socket.receive() == {"id": "m", "type": "complete"}
        await socket.subscribe("q", "{ orders { totalCount } }")
        errors = (await socket.next_payload())["errors"]
        assert [e["extensions"] for e in errors] == [{"code": "FORBIDDEN", "scope": "orders:read"}]
    finally:
        await socket.close()


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer og_0123456789abcdef_guess"},
        {"authorization": "Basic dXNlcjpwdw=="},
        {"headers": {"Authorization": "Bearer not-a-key"}},
        {"Authorization": ["Bearer"]},
    ],
)
async def test_without_a_valid_key_the_connection_is_refused(
    keyed_gateway: KeyedGateway, payload: dict[str, Any] | None
) -> None:
    before, code = await refused(keyed_gateway, TRANSPORT, payload)
    assert (before, code) == (None, 4403)
    before, code = await refused(keyed_gateway, LEGACY, payload)
    assert before is not None and before["type"] == "connection_error", before
    assert "API key" in before["payload"]["message"] and code == 1011


async def test_a_bad_key_on_the_handshake_is_a_401(keyed_gateway: KeyedGateway) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refusal:
        await Socket.open(keyed_gateway.http, keyed_gateway.url, headers={"Authorization": "Bearer nope"})
    assert refusal.value.status == 401


async def test_open_mode_checks_a_key_that_is_sent(gateway: Gateway) -> None:
    assert await refused(gateway, TRANSPORT, {"Authorization": "Bearer og_0123456789abcdef_nope"}) == (
        None,
        4403,
    )
    _, token = await gateway.app[GATEWAY].access.create_key("reader", [Scope.ORDERS_READ])
    socket = await Socket.open(gateway.http, gateway.url, payload={"Authorization": f"Bearer {token}"})
    try:
        await socket.subscribe("1", subscription())
        [error] = (await socket.next_payload())["errors"]
        assert error["extensions"] == {"code": "FORBIDDEN", "scope": "events:read"}
    finally:
        await socket.close()


async def test_the_npm_client_sends_its_key_in_connection_params(keyed_gateway: KeyedGateway) -> None:
    token = keyed_gateway.tokens[f"only {Scope.EVENTS_READ}"]
    client = await NodeClient.subscribe(
        keyed_gateway.url, subscription(), connectionParams={"Authorization": f"Bearer {token}"}
    )
    try:
        await client.next_event("connected")
        await wait_for_subscribers(keyed_gateway.app, 1)
        order = await create_order(keyed_gateway)
        event = (await client.next_event("next"))["result"]["data"]["orderEvents"]
        assert event["orderId"] == order["id"]
    finally:
        await client.stop()
    await wait_for_subscribers(keyed_gateway.app, 0)
    refused_client = await NodeClient.subscribe(
        keyed_gateway.url, subscription(), connectionParams={"Authorization": "Bearer nope"}
    )
    try:
        closed = await refused_client.next_event("closed")
        assert (closed["code"], closed["reason"]) == (4403, "Forbidden")
    finally:
        await refused_client.stop()


async def test_revoking_a_key_closes_its_open_subscriptions_at_once(
    keyed_gateway: KeyedGateway,
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    access = keyed_gateway.app[GATEWAY].access
    key, token = await access.create_key("soon revoked", [Scope.EVENTS_READ])
    with caplog.at_level(logging.DEBUG):
        revoked = [
            await Socket.open(
                keyed_gateway.http, keyed_gateway.url, payload={"Authorization": f"Bearer {token}"}
            ),
            await Socket.open(keyed_gateway.http, keyed_gateway.url, LEGACY, headers=bearer(token)),
        ]
        kept = await Socket.open(
            keyed_gateway.http, keyed_gateway.url, payload=shapes(keyed_gateway.tokens["all"])[0]
        )
        for socket in [*revoked, kept]:
            await socket.subscribe("1", subscription())
        await wait_for_subscribers(keyed_gateway.app, 3)

        ran = await orders_gateway("keys", "revoke", key.id, database_url=keyed_gateway.database_url)
        assert ran.returncode == 0, ran.stderr
        closes = await asyncio.gather(*(socket.closed(seconds=5) for socket in revoked))
        assert closes == [(4403, "API key revoked")] * 2
        await wait_for_subscribers(keyed_gateway.app, 1)

        order = await create_order(keyed_gateway)  # the other key's subscription goes on
        [event] = await kept.events(1)
        assert event["orderId"] == order["id"]
        await kept.close()
        assert await refused(keyed_gateway, TRANSPORT, {"Authorization": f"Bearer {token}"}) == (None, 4403)
    await wait_for_subscribers(keyed_gateway.app, 0)
    assert "revoked API key(s) " + key.id in caplog.text
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    secret = token.split("_", 2)[2]
    assert token not in logged and secret not in logged and secret[:20] not in logged
