"""The aiohttp GraphQL view: per-request context, orjson, GraphQL-shaped errors for bad requests, and
WebSocket subscriptions (graphql-transport-ws and legacy graphql-ws) with heartbeats and a clean close."""

from __future__ import annotations

import asyncio
import re
import weakref
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web
from cross_web import HTTPException
from strawberry.aiohttp.views import GraphQLView

from app.domain.commands import Actor
from schema.context import Context
from schema.websockets import LegacyWSHandler, TextWebSocketAdapter, TransportWSHandler

if TYPE_CHECKING:
    from collections.abc import Callable

    from strawberry.http import GraphQLHTTPResponse

    from app.events.service import EventService
    from app.orders import OrderService

REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
CLIENT_NAME_HEADER = "apollographql-client-name"
_CLIENT_NAME = re.compile(r"^[\w .@:/-]{1,100}$")
CLOSE_TIMEOUT_S = 5.0


def error_response(status: int, message: str, code: str, request_id: str | None = None) -> web.Response:
    """A GraphQL error document as an HTTP response (for requests that never reach execution)."""
    extensions: dict[str, Any] = {"code": code}
    if request_id:
        extensions["requestId"] = request_id
    body = orjson.dumps({"data": None, "errors": [{"message": message, "extensions": extensions}]})
    return web.Response(status=status, body=body, content_type="application/json")


class GatewayView(GraphQLView[Context, None]):
    """Serves POST/GET queries, GraphiQL and WebSocket subscriptions on one path.

    WebSockets get a heartbeat (a ping frame every `keep_alive_interval` seconds; a peer that does not
    answer is disconnected), legacy graphql-ws clients also get its `ka` messages, and `close_websockets`
    ends every open one (on shutdown, with 1001 going away).
    """

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = TextWebSocketAdapter

    def __init__(
        self,
        service_of: Callable[[web.Request], OrderService],
        events_of: Callable[[web.Request], EventService],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._service_of = service_of
        self._events_of = events_of
        self._websockets: weakref.WeakKeyDictionary[web.WebSocketResponse, web.Request] = (
            weakref.WeakKeyDictionary()
        )

    async def get_context(
        self, request: web.Request, response: web.Response | web.WebSocketResponse
    ) -> Context:
        name = request.headers.get(CLIENT_NAME_HEADER, "")
        actor = Actor(name) if _CLIENT_NAME.match(name) else Actor()
        return Context(
            service=self._service_of(request),
            events=self._events_of(request),
            actor=actor,
            request_id=request.get(REQUEST_ID, "-"),
        )

    async def create_websocket_response(
        self, request: web.Request, subprotocol: str | None
    ) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(
            protocols=[subprotocol] if subprotocol else [], heartbeat=self.keep_alive_interval
        )
        await ws.prepare(request)
        self._websockets[ws] = request
        return ws

    async def close_websockets(self, code: int, message: str) -> None:
        """Closes every open WebSocket with `code` (their subscriptions end with them), all at once; one
        whose peer reads nothing (so it cannot take the close frame) is cut off after CLOSE_TIMEOUT_S."""

        async def close(ws: web.WebSocketResponse, request: web.Request) -> None:
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT_S):
                    await ws.close(code=code, message=message.encode())
            except TimeoutError:
                if request.transport is not None:
                    request.transport.abort()

        # A socket whose peer is gone may fail to close: that must not keep the others open.
        sockets = list(self._websockets.items())
        await asyncio.gather(*(close(ws, request) for ws, request in sockets), return_exceptions=True)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: web.Response
    ) -> web.Response:
        sub_response.body = self.encode_json(response_data)
        sub_response.content_type = "application/json"
        return sub_response

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self.run(request=request)
        except HTTPException as e:
            return error_response(e.status_code, e.reason, "BAD_REQUEST", request.get(REQUEST_ID))
