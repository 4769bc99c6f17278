"""The aiohttp application: /graphql (HTTP, GraphiQL, WebSocket), /healthz, /readyz, /metrics, webhooks.

Every request gets an id, an access log line and, on /graphql over HTTP, its metrics (app/metrics.py);
CORS applies when origins are configured (app/cors.py). /metrics needs a key with the `admin` scope once
keys exist (in open local mode, which serves loopback only, it is open like everything else).
Lifecycles live in `cleanup_ctx` (build the gateway, bring the store to the head revision
(app/backends/local/store_setup.py), decide between open local mode and keys, start tailing the event log,
watch the keys open WebSockets hold for revocation, dispose); on shutdown, subscriptions get the events
already committed and then a 1001 close. State sits in typed `web.AppKey`s.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from contextlib import suppress
from typing import TYPE_CHECKING

from aiohttp import WSCloseCode, hdrs, web

from app import bootstrap
from app.access import Gate, start_gate, watch_revocations
from app.backends.local.store_setup import bring_to_head
from app.cors import cors
from app.domain.access import Scope
from app.metrics import CONTENT_TYPE, Metrics
from app.request_scope import CURRENT, RequestRecord
from schema import build_schema
from schema.limits import QueryLimits
from schema.persisted import PersistedQueries
from schema.response_cache import ResponseCache
from schema.view import REQUEST_ID, GatewayView, error_response, unauthenticated

if TYPE_CHECKING:
    import subprocess
    from collections.abc import AsyncIterator, Awaitable, Callable

    from aiohttp.typedefs import Middleware

    from app.audit import AuditTrail
    from app.config import Settings
    from app.events.service import EventService
    from app.limits import Admission
    from app.orders import OrderService

log = logging.getLogger("orders_gateway.server")
access_log = logging.getLogger("orders_gateway.access")
SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
MIGRATING: web.AppKey[subprocess.Popen[bytes] | None] = web.AppKey("migrating")
GATEWAY = web.AppKey("gateway", bootstrap.Gateway)
GATE = web.AppKey("gate", Gate)
METRICS = web.AppKey("metrics", Metrics)
RESPONSES = web.AppKey("responses", ResponseCache)
GRAPHQL_PATH = "/graphql"
CLIENT_CLOSED = 499  # the status logged for a request cancelled before it was answered
_STATUS_OUTCOMES = {401: "unauthenticated", 403: "forbidden", 429: "throttled", CLIENT_CLOSED: "cancelled"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SHUTDOWN_DRAIN_S = 5.0


@web.middleware
async def request_context(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Gives every request an id (the client's X-Request-Id when sane), keeps failures GraphQL-shaped,
    logs it, and measures it when it is a GraphQL request over HTTP."""
    given = request.headers.get("X-Request-Id", "")
    request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(8)
    request[REQUEST_ID] = request_id
    record = RequestRecord(request_id)
    scope = CURRENT.set(record)
    metrics = request.app.get(METRICS) if request.path == GRAPHQL_PATH else None
    if metrics is not None:
        metrics.in_flight.inc()
    started = time.perf_counter()
    status = 500
    response: web.StreamResponse | None = None
    try:
        response = await _masking_failures(request, handler, request_id)
        status = response.status
        if not response.prepared:
            response.headers["X-Request-Id"] = request_id
        return response
    except web.HTTPException as refused:
        status = refused.status
        raise
    except asyncio.CancelledError:  # the client left, or shutdown ran out of time
        status = CLIENT_CLOSED
        raise
    finally:
        seconds = time.perf_counter() - started
        outcome = _STATUS_OUTCOMES.get(status) or ("error" if status >= 500 else record.outcome)
        outcome = outcome or ("rejected" if status >= 400 else "ok")
        if metrics is not None:
            metrics.in_flight.dec()
            if not isinstance(response, web.WebSocketResponse):
                metrics.observe(record, outcome, seconds)
        access_log.info(
            "%s %s %d %.1f ms",
            request.method,
            request.path,
            status,
            seconds * 1000,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "operation": record.operation,
                "outcome": outcome,
            },
        )
        CURRENT.reset(scope)


async def _masking_failures(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]], request_id: str
) -> web.StreamResponse:
    """The handler's response; a body too large or an unexpected exception as a GraphQL error."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[SETTINGS].max_body_bytes
        return error_response(
            413, f"the request body is larger than {limit} bytes", "PAYLOAD_TOO_LARGE", request_id
        )
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unhandled error (request %s)", request_id)
        return error_response(
            500, f"Internal server error (request id {request_id})", "INTERNAL_SERVER_ERROR", request_id
        )


async def healthz(request: web.Request) -> web.Response:
    """200 while the process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 only when the database answers."""
    if await request.app[GATEWAY].database.ping():
        return web.json_response({"status": "ready"})
    return web.json_response({"status": "database unavailable"}, status=503)


async def metrics_page(request: web.Request) -> web.Response:
    """The Prometheus exposition, for a principal with the `admin` scope."""
    authorization = request.headers.get(hdrs.AUTHORIZATION)
    principal = await request.app[GATE].admit(authorization)
    if principal is None:
        return unauthenticated(bool(authorization), request[REQUEST_ID])
    if Scope.ADMIN not in principal.scopes:
        return error_response(403, "/metrics needs the scope admin", "FORBIDDEN", request[REQUEST_ID])
    body = request.app[METRICS].exposition()
    return web.Response(body=body, headers={hdrs.CONTENT_TYPE: CONTENT_TYPE})


class RunningLimiter:
    """The rate limiter of the gateway the app runs (built at startup, after the schema that uses it)."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    async def take(self, bucket: str, points: int) -> Admission:
        return await self._app[GATEWAY].limiter.take(bucket, points)

    async def give_back(self, bucket: str, points: int) -> int:
        return await self._app[GATEWAY].limiter.give_back(bucket, points)

    async def level(self, bucket: str) -> int:
        return await self._app[GATEWAY].limiter.level(bucket)


async def wix_webhook(request: web.Request) -> web.Response:
    """POST /webhooks/wix: a Wix webhook (a signed JWT) logged as order events; see app/backends/wix."""
    wix = request.app[GATEWAY].wix
    if wix is None:
        return web.json_response({"error": "the wix backend is not configured"}, status=404)
    answer = await wix.webhooks.receive(await request.read())
    return web.json_response({"message": answer.message, "logged": answer.logged}, status=answer.status)


async def system_webhook(request: web.Request) -> web.Response:
    """Retailys' `new-order` callback: wakes the poller (the body is not trusted, only the poll's reads)."""
    system = request.app[GATEWAY].system
    if system is None:
        raise web.HTTPNotFound(text="the Retailys backend is not configured")
    system.poller.wake()
    return web.json_response({"status": "accepted"}, status=202)


async def _gateway(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    gateway = bootstrap.build(settings)
    try:
        if settings.auto_migrate:
            await bring_to_head(gateway.database, app[MIGRATING])
        app[GATE] = await start_gate(gateway.access, settings.host, settings.public_introspection)
    except BaseException:
        await gateway.close()
        raise
    app[GATEWAY] = gateway
    if settings.response_cache_mb and gateway.database.versioned:
        app[RESPONSES] = ResponseCache(gateway.database.data_version, settings.response_cache_mb * 2**20)
    if METRICS in app:
        app[METRICS].watch(gateway.events.hub)
    gateway.start()
    yield
    await gateway.close()


def create_app(settings: Settings, migrating: subprocess.Popen[bytes] | None = None) -> web.Application:
    """The whole HTTP application for `settings` (nothing connects until it starts); `migrating` is an
    `orders-gateway migrate` already started on its database, which the start-up waits for."""
    middlewares: list[Middleware] = [request_context]
    if settings.allowed_origins:
        middlewares.append(cors(settings.allowed_origins))
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=middlewares)
    app[SETTINGS] = settings
    app[MIGRATING] = migrating
    app.cleanup_ctx.append(_gateway)

    def service_of(request: web.Request) -> OrderService:
        return request.app[GATEWAY].service

    def gate_of(request: web.Request) -> Gate:
        return request.app[GATE]

    def audit_of(request: web.Request) -> AuditTrail:
        return request.app[GATEWAY].audit

    def events_of(request: web.Request) -> EventService:
        return request.app[GATEWAY].events

    def responses_of(request: web.Request) -> ResponseCache | None:
        return request.app.get(RESPONSES)

    limiter = RunningLimiter(app)

    view = GatewayView(
        service_of,
        events_of,
        gate_of,
        audit_of,
        PersistedQueries(settings.persisted_queries),
        limiter,
        responses_of,
        schema=build_schema(
            settings.max_query_depth,
            QueryLimits(settings.max_query_cost, settings.max_query_aliases, settings.max_root_fields),
            limiter,
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
    app.router.add_route("*", GRAPHQL_PATH, view)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_post("/webhooks/wix", wix_webhook)
    app.router.add_post("/webhooks/system", system_webhook)
    if settings.metrics:
        app[METRICS] = Metrics()
        app.router.add_get("/metrics", metrics_page)
    return app
