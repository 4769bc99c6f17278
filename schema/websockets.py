"""The WebSocket side of /graphql: both subprotocols, made strict where Strawberry is lenient.

- Messages go out as text frames (both protocols require it; Strawberry would send orjson's bytes as
  binary frames).
- graphql-transport-ws: any message that is not a well-formed protocol message closes the socket with
  4400, as the protocol says (Strawberry crashes the connection on a few shapes instead).
- legacy graphql-ws: a message that is not JSON, or not an object with a known type, closes the socket
  with 1002 (protocol error) instead of being ignored.
- `presented_authorization` finds the API key a `connection_init` payload carries.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import TYPE_CHECKING, Any, cast

from aiohttp import WSMsgType
from strawberry.aiohttp.views import AiohttpWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived, WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from schema.context import Context

if TYPE_CHECKING:
    from collections.abc import Mapping

    from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, Message
    from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage

_TRANSPORT_TYPES = {"connection_init", "ping", "pong", "subscribe", "complete"}
_LEGACY_TYPES = {"connection_init", "connection_terminate", "start", "stop"}
PROTOCOL_ERROR = 1002


class TextWebSocketAdapter(AiohttpWebSocketAdapter):
    """Sends every message as one text frame of the view's (orjson) encoding."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_frame(cast("bytes", self.view.encode_json(message)), WSMsgType.TEXT)
        except (RuntimeError, ConnectionError) as exc:  # closed, or the peer went away mid-send
            raise WebSocketDisconnected from exc


def presented_authorization(payload: Mapping[str, object] | None) -> object:
    """The `Authorization` value of a `connection_init` payload (`Authorization` or `authorization`, at its
    top or within its `headers`), as sent; None when it has none (an empty value counts as none)."""
    headers = (payload or {}).get("headers")
    for source in (payload or {}, headers if isinstance(headers, dict) else {}):
        for name in ("Authorization", "authorization"):
            if source.get(name) not in (None, ""):
                return source[name]
    return None


def _optional(payload: Mapping[str, Any], key: str, kind: type) -> bool:
    return payload.get(key) is None or isinstance(payload[key], kind)


def _well_formed(message: object) -> bool:
    """Whether `message` is a graphql-transport-ws message a client may send, in a valid shape."""
    if not isinstance(message, dict) or message.get("type") not in _TRANSPORT_TYPES:
        return False
    kind = message["type"]
    if kind in ("connection_init", "ping", "pong"):
        return _optional(message, "payload", dict)
    if not isinstance(message.get("id"), str) or not message["id"]:
        return False
    if kind == "complete":
        return True
    return _operation(message.get("payload")) and _optional(message["payload"], "extensions", dict)


def _legacy_well_formed(message: object) -> bool:
    """Whether `message` is a legacy graphql-ws message a client may send, in a valid shape."""
    if not isinstance(message, dict) or message.get("type") not in _LEGACY_TYPES:
        return False
    kind = message["type"]
    if kind in ("connection_init", "connection_terminate"):
        return _optional(message, "payload", dict)
    if not isinstance(message.get("id"), str):
        return False
    if kind == "stop":
        return True
    return _operation(message.get("payload"))


def _operation(payload: object) -> bool:
    """Whether a subscribe/start payload names an operation: a query, and optional variables and name."""
    return (
        isinstance(payload, dict)
        and isinstance(payload.get("query"), str)
        and _optional(payload, "variables", dict)
        and _optional(payload, "operationName", str)
    )


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws: a malformed message closes the connection with 4400."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # Strawberry cancels the timer for a missing `connection_init` here but keeps the task, and with
        # it the cancellation's traceback and frames, for as long as the socket stays open.
        self.connection_init_timeout_task = None

    async def handle_message(self, message: Message) -> None:
        if not _well_formed(message):
            await self.handle_invalid_message("Invalid message received")
            return
        await super().handle_message(message)

    async def handle_task_exception(self, error: Exception) -> None:
        if not isinstance(error, WebSocketDisconnected):  # the client left mid-send: nothing to report
            await super().handle_task_exception(error)


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """The legacy graphql-ws protocol (subscriptions-transport-ws): garbage closes with 1002."""

    async def handle(self) -> None:
        try:
            async for message in self.websocket.iter_json():
                if not _legacy_well_formed(message):
                    await self.websocket.close(PROTOCOL_ERROR, "Invalid message received")
                    break
                await self.handle_message(cast("OperationMessage", message))
        except (NonJsonMessageReceived, NonTextMessageReceived):
            await self.websocket.close(PROTOCOL_ERROR, "WebSocket messages must be JSON text")
        except WebSocketDisconnected:
            pass
        finally:
            if self.keep_alive_task:
                self.keep_alive_task.cancel()
                with suppress(asyncio.CancelledError, WebSocketDisconnected):
                    await self.keep_alive_task
            await self.cleanup()
