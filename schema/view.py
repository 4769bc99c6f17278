"""The aiohttp GraphQL view: authentication, per-request context, orjson, GraphQL-shaped errors, and
WebSocket subscriptions (graphql-transport-ws and legacy graphql-ws) with heartbeats and a clean close.

Every request but the GraphiQL page passes the gate first: a missing or invalid key is answered with HTTP
401 and an `UNAUTHENTICATED` error before the body is read. A WebSocket handshake without a token is let
through (browsers cannot send headers): its `connection_init` payload must then carry the key, else the
connection is refused (4403 Forbidden; legacy graphql-ws: `connection_error`). A key in that payload is
checked like the header, in open local mode too, and holds for the whole connection. `close_revoked`
closes the WebSockets of keys revoked since they connected (4403, "API key revoked").
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import hdrs, web
from cross_web import HTTPException
from strawberry.aiohttp.views import GraphQLView
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.types.unset import UnsetType

from app.domain.access import Principal, valid_client_name
from app.domain.commands import Actor
from app.request_scope import current
from schema.context import Context
from schema.limits import charge_known
from schema.persisted import PersistedQueries, PersistedQueryError
from schema.response_cache import KeptAnswer, Key, ResponseCache
from schema.websockets import (
    LegacyWSHandler,
    TextWebSocketAdapter,
    TransportWSHandler,
    presented_authorization,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from cross_web import AsyncHTTPRequestAdapter
    from strawberry.http import GraphQLHTTPResponse
    from strawberry.http.base import BaseRequestProtocol
    from strawberry.types import ExecutionResult

    from app.access import Gate
    from app.audit import AuditTrail
    from app.events.service import EventService
    from app.limits import RateLimiter
    from app.orders import OrderService

log = logging.getLogger("orders_gateway.auth")
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
PRINCIPAL: web.RequestKey[Principal | None] = web.RequestKey("principal", Principal)
# The cache, key and data version under which a request's answer may be kept.
KEEPING: web.RequestKey[tuple[ResponseCache, Key, int | None]] = web.RequestKey("keeping", tuple)
CLIENT_NAME_HEADER = "apollographql-client-name"
CLOSE_TIMEOUT_S = 5.0
FORBIDDEN = 4403  # graphql-transport-ws: the connection is refused


def error_response(status: int, message: str, code: str, request_id: str | None = None) -> web.Response:
    """A GraphQL error document as an HTTP response (for requests that never reach execution)."""
    extensions: dict[str, Any] = {"code": code}
    if request_id:
        extensions["requestId"] = request_id
    body = orjson.dumps({"data": None, "errors": [{"message": message, "extensions": extensions}]})
    return web.Response(status=status, body=body, content_type="application/json")


def unauthenticated(sent_token: bool, request_id: str | None) -> web.Response:
    """401 with `WWW-Authenticate: Bearer` (RFC 6750: `invalid_token` when a token was sent)."""
    if sent_token:
        message = "the API key is not valid (unknown, revoked or malformed)"
    else:
        message = "an API key is required: send Authorization: Bearer <key>"
    response = error_response(401, message, "UNAUTHENTICATED", request_id)
    response.headers[hdrs.WWW_AUTHENTICATE] = 'Bearer error="invalid_token"' if sent_token else "Bearer"
    return response


def _retry_after(response_data: GraphQLHTTPResponse) -> int | None:
    """The seconds to wait when the operation was refused by the rate limit (`THROTTLED`), else None."""
    for error in response_data.get("errors") or ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and extensions.get("code") == "THROTTLED":
            return int(extensions["retryAfter"])
    return None


async def _single_json_body(request: web.Request) -> bytes | None:
    """The body of a POST of one operation as JSON (what a kept answer may answer), else None."""
    if request.method != "POST" or request.content_type != "application/json":
        return None
    if "multipart" in request.headers.get(hdrs.ACCEPT, ""):
        return None  # incremental delivery: not answered from memory
    body = await request.read()
    return body if body.lstrip()[:1] == b"{" else None


async def _close(sockets: list[tuple[web.WebSocketResponse, web.Request]], code: int, message: str) -> None:
    """Closes `sockets` with `code`, all at once; one whose peer reads nothing (so it cannot take the close
    frame) is cut off after CLOSE_TIMEOUT_S."""

    async def close(ws: web.WebSocketResponse, request: web.Request) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await ws.close(code=code, message=message.encode())
        except TimeoutError:
            if request.transport is not None:
                request.transport.abort()

    # A socket whose peer is gone may fail to close: that must not keep the others open.
    await asyncio.gather(*(close(ws, request) for ws, request in sockets), return_exceptions=True)


class GatewayView(GraphQLView[Context, None]):
    """Serves POST/GET queries, GraphiQL and WebSocket subscriptions on one path.

    WebSockets get a heartbeat (a ping frame every `keep_alive_interval` seconds; a peer that does not
    answer is disconnected), legacy graphql-ws clients also get its `ka` messages, and `close_websockets`
    ends every open one (on shutdown, with 1001 going away). Each socket's principal is its request's
    `PRINCIPAL`, set at the handshake or at `connection_init`.
    """

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = TextWebSocketAdapter

    def __init__(
        self,
        service_of: Callable[[web.Request], OrderService],
        events_of: Callable[[web.Request], EventService],
        gate_of: Callable[[web.Request], Gate],
        audit_of: Callable[[web.Request], AuditTrail],
        persisted: PersistedQueries,
        limiter: RateLimiter,
        responses_of: Callable[[web.Request], ResponseCache | None],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._service_of = service_of
        self._events_of = events_of
        self._gate_of = gate_of
        self._audit_of = audit_of
        self._persisted = persisted
        self._limiter = limiter
        self._responses_of = responses_of
        self._websockets: weakref.WeakKeyDictionary[web.WebSocketResponse, web.Request] = (
            weakref.WeakKeyDictionary()
        )

    async def get_context(
        self, request: web.Request, response: web.Response | web.WebSocketResponse
    ) -> Context:
        principal = request.get(PRINCIPAL)
        return Context(
            service=self._service_of(request),
            events=self._events_of(request),
            actor=Actor(principal.client_name) if principal else Actor(),
            request_id=request.get(REQUEST_ID, "-"),
            principal=principal,
            introspection=self._gate_of(request).introspection,
            audit=self._audit_of(request),
            request=request,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticates a WebSocket with the key its `connection_init` payload carries, if any; refuses a
        bad key, and no key on a socket whose handshake had none while keys are required."""
        request_id = context.request_id
        authorization = presented_authorization(context.connection_params)
        if authorization is None:
            if context.principal is None:
                log.warning("refused WebSocket %s: no API key", request_id)
                raise ConnectionRejectionError(
                    {"message": "an API key is required: send Authorization: Bearer <key> in connection_init"}
                )
            return UnsetType()
        gate = self._gate_of(context.request)
        principal = await gate.admit(authorization) if isinstance(authorization, str) else None
        if principal is None:
            log.warning("refused WebSocket %s: invalid API key", request_id)
            raise ConnectionRejectionError(
                {"message": "the API key is not valid (unknown, revoked or malformed)"}
            )
        context.request[PRINCIPAL] = principal
        context.principal = principal
        context.actor = Actor(principal.client_name)
        return UnsetType()

    async def create_websocket_response(
        self, request: web.Request, subprotocol: str | None
    ) -> web.WebSocketResponse:
        # No permessage-deflate: events are small, compressing each costs CPU per subscriber, and aiohttp
        # 3.14 has rejected a compressed frame that follows a pong ("non-zero reserved bits", 1002).
        ws = web.WebSocketResponse(
            protocols=[subprotocol] if subprotocol else [],
            heartbeat=self.keep_alive_interval,
            compress=False,
        )
        await ws.prepare(request)
        self._websockets[ws] = request
        return ws

    async def close_websockets(self, code: int, message: str) -> None:
        """Closes every open WebSocket with `code` (their subscriptions end with them)."""
        await _close(list(self._websockets.items()), code, message)

    def keys_in_use(self) -> set[str]:
        """The ids of the API keys that open WebSockets are authenticated with."""
        return {key_id for _, key_id in self._keyed_sockets()}

    async def close_revoked(self, key_ids: Collection[str]) -> None:
        """Closes the open WebSockets authenticated with any of `key_ids` (4403, "API key revoked")."""
        sockets = [(ws, request) for (ws, request), key_id in self._keyed_sockets() if key_id in key_ids]
        log.info("closing %d WebSocket(s) of revoked API key(s) %s", len(sockets), " ".join(sorted(key_ids)))
        await _close(sockets, FORBIDDEN, "API key revoked")

    def _keyed_sockets(self) -> list[tuple[tuple[web.WebSocketResponse, web.Request], str]]:
        return [
            ((ws, request), principal.key_id)
            for ws, request in list(self._websockets.items())
            if not ws.closed and (principal := request.get(PRINCIPAL)) and principal.key_id
        ]

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        """A body (or GET parameter) that is JSON but not an object (`0`, `"x"`, `null`) is a bad request."""
        parsed = super().parse_json(data)
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "a JSON object is expected")
        return parsed

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL for a browser's GET, never for a GET that carries a persisted query's hash."""
        return "extensions" not in request.query_params and super().should_render_graphql_ide(request)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData):
            data.query = self._persisted.resolve(data.query, data.extensions)
        return data

    async def process_result(self, request: web.Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Also keeps the answer of a query that ran on the local store alone, without an error."""
        processed = await super().process_result(request, result)
        keeping = request.get(KEEPING)
        record = current()
        if (
            keeping is not None
            and record is not None
            and record.operation_type == "query"
            and record.upstream_calls == 0
            and not result.errors
            and result.data is not None
            and isinstance((result.extensions or {}).get("cost"), dict)
        ):
            responses, key, version = keeping
            data = orjson.dumps(result.data)
            responses.keep(key, KeptAnswer(version, data, dict(result.extensions or {}), record.operation))
        return processed

    async def _answer_kept(self, principal: Principal, kept: KeptAnswer) -> web.Response | None:
        """The kept answer, charged to the caller's bucket; None when the bucket refuses it (the request
        then runs, and is refused as usual)."""
        cost = kept.cost
        remaining = await charge_known(self._limiter, principal, cost["requested"], cost["actual"])
        if remaining is None:
            return None
        if (record := current()) is not None:
            record.operation, record.operation_type, record.outcome = kept.operation, "query", "ok"
        extensions = orjson.dumps({**kept.extensions, "cost": {**cost, "remaining": remaining}})
        body = b'{"data":' + kept.data + b',"extensions":' + extensions + b"}"
        return web.Response(body=body, content_type="application/json")

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: web.Response
    ) -> web.Response:
        sub_response.body = self.encode_json(response_data)
        sub_response.content_type = "application/json"
        if isinstance(response_data, dict) and (retry_after := _retry_after(response_data)):
            sub_response.set_status(429)
            sub_response.headers[hdrs.RETRY_AFTER] = str(retry_after)
        return sub_response

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        request_id = request.get(REQUEST_ID)
        gate = self._gate_of(request)
        websocket = self.is_websocket_request(request)
        if not websocket and self.should_render_graphql_ide(self.request_adapter_class(request)):
            if gate.introspection:
                return await self.render_graphql_ide(request)
            return error_response(404, "GraphiQL is turned off on this gateway", "NOT_FOUND", request_id)
        authorization = request.headers.get(hdrs.AUTHORIZATION)
        if websocket and not authorization and not gate.open:
            request[PRINCIPAL] = None
        else:
            name = request.headers.get(CLIENT_NAME_HEADER, "")
            principal = await gate.admit(authorization, name if valid_client_name(name) else None)
            if principal is None:
                log.warning(
                    "refused request %s: %s", request_id, "invalid API key" if authorization else "no API key"
                )
                return unauthenticated(bool(authorization), request_id)
            request[PRINCIPAL] = principal
            responses = None if websocket else self._responses_of(request)
            if responses is not None and (body := await _single_json_body(request)) is not None:
                key = (principal.key_id, body)
                kept = responses.get(key)
                if kept is not None and (answer := await self._answer_kept(principal, kept)) is not None:
                    return answer
                request[KEEPING] = (responses, key, responses.version())
        try:
            return await self.run(request=request)
        except HTTPException as e:
            return error_response(e.status_code, e.reason, "BAD_REQUEST", request_id)
        except PersistedQueryError as e:
            return error_response(e.status, e.message, e.code, request_id)
