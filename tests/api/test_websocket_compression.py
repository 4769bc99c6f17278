"""WebSockets are served without permessage-deflate, so a client's pong followed by data never trips the
compression state (aiohttp 3.14 closed such sockets with 1002 "non-zero reserved bits")."""

from __future__ import annotations

import aiohttp

from tests.conftest import Gateway


async def test_a_client_offering_compression_gets_none_and_keeps_talking(gateway: Gateway) -> None:
    async with gateway.http.ws_connect(
        f"{gateway.url}/graphql", protocols=["graphql-transport-ws"], compress=15
    ) as ws:
        assert ws.compress == 0
        await ws.pong(b"unsolicited")
        await ws.send_json({"type": "connection_init"})
        ack = await ws.receive(timeout=5)
        assert ack.type is aiohttp.WSMsgType.TEXT and '"connection_ack"' in ack.data
        await ws.pong()
        await ws.send_json({"type": "ping"})
        pong = await ws.receive(timeout=5)
        assert pong.type is aiohttp.WSMsgType.TEXT and '"pong"' in pong.data
