"""HTTP access to the Retailys REST API: auth, the client-side rate limit, retries and error translation.

Retailys allows 100 requests per second per client; above that it answers 429 with `Retry-After`. The
client keeps under the limit with a leaky bucket (aiolimiter) that lets at most `rate` + `rate` / 20
requests start in any one second, and at most `concurrency` requests in flight, so requests that got their
turn leave at once instead of queueing for a connection and arriving upstream in a bunch. The default rate
(80) leaves room for the jitter of the network. A 429 waits `Retry-After`; idempotent calls (GET, PUT,
DELETE and the PATCHes of the boolean flags) are then retried, as are 5xx answers and transport failures,
a bounded number of times.
POSTs are never retried: a lost answer must not create a second order, item or tracking.

Failures become `DomainError`s:

    404                          NotFound (the upstream message)
    422                          INVALID_TRANSITION (the upstream message)
    400, other 4xx, 5xx,         UpstreamError ("Retailys answered <status>: <message>")
    timeouts, bad JSON
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import httpx
from aiolimiter import AsyncLimiter

from app.domain.errors import NotFound, UpstreamError, bad_transition
from app.request_scope import current

if TYPE_CHECKING:
    from collections.abc import Mapping

log = logging.getLogger("orders_gateway.system")

DEFAULT_BASE_URL = "https://api.retailys.com/v1"
MAX_RETRY_AFTER_S = 30.0
SLICES_PER_SECOND = 20  # the bucket refills in twentieths of a second, so a burst is at most rate / 20


def _retry_after(response: httpx.Response) -> float:
    """The seconds a 429 asks to wait (1 when absent or unreadable), capped."""
    try:
        return min(max(float(response.headers.get("Retry-After", "1")), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:
        return 1.0


def _upstream_message(response: httpx.Response) -> str:
    """`message: detail` of an ErrorModel body, or the start of whatever else came back."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        detail = body.get("detail")
        return f"{body['message']}: {detail}" if isinstance(detail, str) and detail else body["message"]
    return str(body)[:200]


class SystemClient:
    """One pooled `httpx.AsyncClient` for the Retailys API of one merchant (`token`)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        rate: float = 80,
        concurrency: int = 10,
        timeout_s: float = 10,
        retries: int = 2,
        backoff_s: float = 0.2,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"token": token, "Accept": "application/json"},
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self._in_flight = asyncio.Semaphore(concurrency)
        self._limiter = AsyncLimiter(rate / SLICES_PER_SECOND, 1 / SLICES_PER_SECOND)
        self._retries = retries
        self._backoff_s = backoff_s

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return await self.call("GET", path, params=params, idempotent=True)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        idempotent: bool,
    ) -> Any:
        """The JSON answer of one call; retried as the module docstring says, else a `DomainError`."""
        attempt = 0
        while True:
            attempt += 1
            last = attempt > self._retries or not idempotent
            try:
                response = await self._send(method, path, params, body)
            except httpx.TimeoutException:
                if last:
                    raise UpstreamError(f"Retailys did not answer {method} {path} in time") from None
            except httpx.HTTPError as error:
                if last:
                    raise UpstreamError(f"Retailys could not be reached: {type(error).__name__}") from None
            else:
                if response.status_code == 429 and idempotent and attempt <= self._retries + 3:
                    wait = _retry_after(response)
                    log.warning("Retailys rate limit hit on %s %s; retrying in %.1f s", method, path, wait)
                    await asyncio.sleep(wait)
                    continue
                if response.status_code < 500 or last:
                    return self._result(method, path, response)
            await asyncio.sleep(self._backoff_s * attempt)

    async def _send(
        self, method: str, path: str, params: Mapping[str, str | int] | None, body: Any
    ) -> httpx.Response:
        """One request, when a slot in flight and the rate limit allow it."""
        async with self._in_flight, self._limiter:
            record = current()
            if record is not None:
                record.upstream_calls += 1
            return await self._http.request(method, path, params=params, json=body)

    @staticmethod
    def _result(method: str, path: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status < 400:
            try:
                body = response.json()
            except ValueError:
                raise UpstreamError(f"Retailys answered {method} {path} with malformed JSON") from None
            if not isinstance(body, dict):
                raise UpstreamError(f"Retailys answered {method} {path} with JSON that is not an object")
            return body
        message = _upstream_message(response)
        if status == 404:
            raise NotFound(f"Retailys: {message}")
        if status == 422:
            raise bad_transition(f"Retailys: {message}")
        raise UpstreamError(f"Retailys answered {status}: {message}")
