"""CORS for browser frontends on other origins (`GATEWAY_CORS_ORIGINS`; none configured: no CORS headers).

A preflight from an allowed origin is answered 204 here; any other request from one gets
`Access-Control-Allow-Origin` (the origin itself with `Vary: Origin`, or `*` when every origin is allowed)
and may read the request id and `Retry-After`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import hdrs, web

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection

    from aiohttp.typedefs import Middleware

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, apollographql-client-name, X-Request-Id"
EXPOSE_HEADERS = "X-Request-Id, Retry-After"
MAX_AGE_S = 600


def cors(origins: Collection[str]) -> Middleware:
    """The middleware allowing `origins` (`*` allows any)."""
    allowed = frozenset(origins)
    any_origin = "*" in allowed

    def allow(response: web.StreamResponse, origin: str) -> None:
        if response.prepared:  # a WebSocket: its handshake is not subject to CORS
            return
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = "*" if any_origin else origin
        response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSE_HEADERS
        if not any_origin:
            response.headers.add(hdrs.VARY, hdrs.ORIGIN)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None or not (any_origin or origin in allowed):
            return await handler(request)
        if request.method == hdrs.METH_OPTIONS and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers:
            response: web.StreamResponse = web.Response(status=204)
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = ALLOW_METHODS
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = ALLOW_HEADERS
            response.headers[hdrs.ACCESS_CONTROL_MAX_AGE] = str(MAX_AGE_S)
        else:
            try:
                response = await handler(request)
            except web.HTTPException as refused:
                allow(refused, origin)
                raise
        allow(response, origin)
        return response

    return middleware
