"""GraphQL over HTTP helpers shared by seeding, capture and the load generator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from bench import BenchError

if TYPE_CHECKING:
    from collections.abc import Callable

    # What is wrong with a response document that came without GraphQL errors, or None.
    Check = Callable[[dict[str, Any]], str | None]

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def encode(query: str, variables: dict[str, Any] | None = None) -> bytes:
    """The POST body for `query` with `variables`."""
    return orjson.dumps({"query": query, "variables": variables or {}})


def problem(status: int, body: bytes, check: Check | None = None) -> str | None:
    """Why a response counts as an error (non-200, not JSON, carrying `errors`, or refused by `check`),
    or None if it is fine.
    """
    if status != 200:
        return f"HTTP {status}: {body[:300]!r}"
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return f"response is not JSON: {body[:300]!r}"
    if not isinstance(document, dict) or "data" not in document:
        return f"response has no data: {body[:300]!r}"
    if "errors" in document:
        return f"GraphQL errors: {orjson.dumps(document['errors'])[:300].decode(errors='replace')}"
    if check is None:
        return None
    try:
        return check(document)
    except (LookupError, TypeError) as exc:
        return f"response not shaped as expected ({exc!r}): {body[:300]!r}"


@dataclass(frozen=True)
class Captured:
    """One response as the gateway sent it, replayed byte for byte by the baseline."""

    body: bytes
    content_type: str

    def document(self) -> dict[str, Any]:
        """The decoded JSON document."""
        document: dict[str, Any] = orjson.loads(self.body)
        return document


async def capture(url: str, payload: bytes, check: Check) -> Captured:
    """POSTs `payload` once; raises BenchError unless the response is a clean 200 that passes `check`."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=payload, headers=HEADERS) as response,
    ):
        body = await response.read()
        if reason := problem(response.status, body, check):
            raise BenchError(f"capturing the scenario response failed: {reason}")
        return Captured(body=body, content_type=response.headers.get("Content-Type", "application/json"))
