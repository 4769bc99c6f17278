"""The HTTP transport to Wix: one pooled `httpx.AsyncClient`, auth headers, retries, and error mapping.

Reads (GET, and the read-only POSTs: Search Orders and the `list-by-ids` endpoints) are retried on 429,
5xx and connection errors with exponential backoff, honouring `Retry-After`; writes are sent once, since a
write whose answer was lost may have been applied. Failures become domain errors:

    404                     NotFound
    other 4xx/5xx, timeout, UpstreamError (the message names the upstream status and Wix's message)
    unreadable answer
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx

from app.domain.errors import NotFound, UpstreamError
from app.request_scope import current

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = logging.getLogger("orders_gateway.wix")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MESSAGE_MAX = 300


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait before re-sending an idempotent request."""

    attempts: int = 3
    backoff_s: float = 0.2
    max_wait_s: float = 5.0

    def wait(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before attempt `attempt + 1`: the server's `Retry-After`, else exponential backoff."""
        if retry_after:
            seconds = _retry_after_seconds(retry_after)
            if seconds is not None:
                return min(max(seconds, 0.0), self.max_wait_s)
        return float(min(self.backoff_s * 2**attempt, self.max_wait_s))


def _retry_after_seconds(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return (when - datetime.now(UTC)).total_seconds()


class WixClient:
    """Calls the Wix REST API for one site with an API key."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        site_id: str,
        *,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 15.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": api_key, "wix-site-id": site_id, "Accept": "application/json"},
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def get(self, path: str) -> dict[str, Any]:
        return await self._send("GET", path, None, idempotent=True)

    async def read(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A POST that only reads (search, list-by-ids): retried like a GET."""
        return await self._send("POST", path, body, idempotent=True)

    async def write(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A change: sent once, never retried."""
        return await self._send(method, path, body, idempotent=False)

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None, *, idempotent: bool
    ) -> dict[str, Any]:
        attempts = self.retry.attempts if idempotent else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            record = current()
            if record is not None:
                record.upstream_calls += 1
            try:
                response = await self._http.request(method, path, json=body)
            except httpx.TimeoutException as err:
                if last:
                    raise UpstreamError(f"Wix did not answer {method} {path} in time") from err
                await self._sleep(self.retry.wait(attempt, None))
                continue
            except httpx.HTTPError as err:
                if last:
                    raise UpstreamError(f"cannot reach Wix ({type(err).__name__})") from err
                await self._sleep(self.retry.wait(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                log.info("Wix answered %s to %s %s; retrying", response.status_code, method, path)
                await self._sleep(self.retry.wait(attempt, response.headers.get("Retry-After")))
                continue
            return _answer(method, path, response)
        raise AssertionError("unreachable")  # pragma: no cover


def _answer(method: str, path: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer; a domain error for anything else."""
    if response.is_success:
        try:
            parsed = response.json() if response.content else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = None
        if not isinstance(parsed, dict):
            raise UpstreamError(f"Wix answered {method} {path} with a body that is not a JSON object")
        return parsed
    message = f"Wix answered {response.status_code}: {_message(response)}"
    if response.status_code == 404:
        raise NotFound(message)
    raise UpstreamError(message)


def _message(response: httpx.Response) -> str:
    """Wix's error message (`message`, or `details.applicationError.description`), else the reason."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    text = ""
    if isinstance(body, dict):
        details = body.get("details")
        app_error = details.get("applicationError") if isinstance(details, dict) else None
        if isinstance(body.get("message"), str):
            text = body["message"]
        elif isinstance(app_error, dict) and isinstance(app_error.get("description"), str):
            text = app_error["description"]
    return (text or response.reason_phrase or "no message")[:MESSAGE_MAX]
