"""The aiohttp application: /graphql (HTTP, GraphiQL, WebSocket), /healthz and /readyz.

Lifecycles live in `cleanup_ctx` (migrate, build the gateway, decide between open local mode and keys,
start tailing the event log, watch the keys open WebSockets hold for revocation, dispose); on shutdown,
subscriptions get the events already committed and then a 1001 close. State sits in typed `web.AppKey`s.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from contextlib import suppress
from typing import TYPE_CHECKING

from aiohttp import WSCloseCode, web

from app import bootstrap
from app.access import Gate, start_gate, watch_revocations
from app.backends.local.migrations import upgrade
from app.limits import InProcessBuckets
from schema import build_schema
from schema.limits import QueryLimits
from schema.persisted import PersistedQueries
from schema.view import REQUEST_ID, GatewayView, error_response

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from app.audit import AuditTrail
    from app.config import Settings
    from app.events.service import EventService
    from app.orders import OrderService

log = logging.getLogger("orders_gateway.server")
SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
GATEWAY = web.AppKey("gateway", bootstrap.Gateway)
GATE = web.AppKey("gate", Gate)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SHUTDOWN_DRAIN_S = 5.0


@web.middleware
async def request_context(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Gives every request an id (the client's X-Request-Id when sane) and keeps failures GraphQL-shaped."""
    given = request.headers.get("X-Request-Id", "")
    request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(8)
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[SETTINGS].max_body_bytes
        response = error_response(
            413, f"the request body is larger than {limit} bytes", "PAYLOAD_TOO_LARGE", request_id
        )
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unhandled error (request %s)", request_id)
        response = error_response(
            500, f"Internal server error (request id {request_id})", "INTERNAL_SERVER_ERROR", request_id
        )
    if not response.prepared:
        response.headers["X-Request-Id"] = request_id
    return response


async def healthz(request: web.Request) -> web.Response:
    """200 while the process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 only when the database answers."""
    if await request.app[GATEWAY].database.ping():
        return web.json_response({"status": "ready"})
    return web.json_response({"status": "database unavailable"}, status=503)


async def _gateway(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.auto_migrate:
        bootstrap.ensure_sqlite_dir(settings.database_url)
        await asyncio.to_thread(upgrade, settings.database_url)
    gateway = bootstrap.build(settings)
    try:
        app[GATE] = await start_gate(gateway.access, settings.host, settings.public_introspection)
    except BaseException:
        await gateway.close()
        raise
    app[GATEWAY] = gateway
    gateway.start()
    yield
    await gateway.close()


def create_app(settings: Settings) -> web.Application:
    """The whole HTTP application for `settings` (nothing connects until it starts)."""
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[request_context])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_gateway)

    def service_of(request: web.Request) -> OrderService:
        return request.app[GATEWAY].service

    def gate_of(request: web.Request) -> Gate:
        return request.app[GATE]

    def audit_of(request: web.Request) -> AuditTrail:
        return request.app[GATEWAY].audit

    def events_of(request: web.Request) -> EventService:
        return request.app[GATEWAY].events

    view = GatewayView(
        service_of,
        events_of,
        gate_of,
        audit_of,
        PersistedQueries(settings.persisted_queries),
        schema=build_schema(
            settings.max_query_depth,
            QueryLimits(settings.max_query_cost, settings.max_query_aliases, settings.max_root_fields),
            InProcessBuckets(settings.rate_limit_capacity, settings.rate_limit_per_second),
        ),
        graphql_ide="graphiql",
        keep_alive=True,
        keep_alive_interval=settings.ws_keep_alive_s,
    )

    async def close_subscriptions(app: web.Application) -> None:
        """On shutdown: deliver the events already committed, then close every WebSocket going away."""
        try:
            async with asyncio.timeout(SHUTDOWN_DRAIN_S):
                await app[GATEWAY].events.hub.drain()
        except TimeoutError:
            log.warning("subscribers still had events after %s s; closing anyway", SHUTDOWN_DRAIN_S)
        except Exception:
            log.exception("could not deliver the last events before shutdown")
        await view.close_websockets(WSCloseCode.GOING_AWAY, "server shutting down")

    async def watch_keys(app: web.Application) -> AsyncIterator[None]:
        """Closes the WebSockets of keys revoked while open, one query every GATEWAY_WS_KEY_CHECK_S."""
        access, interval = app[GATEWAY].access, settings.ws_key_check_s
        task = asyncio.create_task(watch_revocations(access, interval, view.keys_in_use, view.close_revoked))
        yield
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(watch_keys)
    app.on_shutdown.append(close_subscriptions)
    app.router.add_route("*", "/graphql", view)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
