"""Rate limits over real sockets: a flood of one key gets 429 + Retry-After + THROTTLED, then the bucket
refills; other keys and open local mode are not held back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from app.config import Settings
from app.domain.access import Scope
from tests.conftest import bearer, issue_keys, new_database, start_gateway

# A bucket of 60 points refilling 20 a second; the query costs (and returns) 11: a page of 5 with buyers.
SMALL = {"rate_limit_capacity": 60, "rate_limit_per_second": 20, "max_query_cost": 60}
PAGE = "{ orders(first: 5) { nodes { id buyer { email } } } }"
ORDER = {
    "currency": "EUR",
    "buyer": {"email": "flood@example.com"},
    "lineItems": [{"productName": "Mug", "quantity": 1, "price": "1.00"}],
}


async def post(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    async with http.post(f"{url}/graphql", json=body, headers=headers) as response:
        return response.status, dict(response.headers), await response.json()


@pytest_asyncio.fixture
async def limited(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, dict[str, str], aiohttp.ClientSession]]:
    """A keyed gateway with a small bucket and five orders; yields its URL, the tokens and a client."""
    database = await new_database(store, request, tmp_path_factory)
    tokens = await issue_keys(database, {name: set(Scope) for name in ("a", "b", "writer")})
    runner, url = await start_gateway(Settings(database_url=database, port=0, **SMALL))
    try:
        async with aiohttp.ClientSession() as http:
            create = "mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { id } } }"
            for _ in range(5):
                status, _, body = await post(
                    http, url, {"query": create, "variables": {"i": ORDER}}, bearer(tokens["writer"])
                )
                assert status == 200 and body["data"]["createOrder"]["order"], body
            yield url, tokens, http
    finally:
        await runner.cleanup()


async def test_a_flood_is_throttled_with_429_and_served_again_once_the_bucket_refills(
    limited: tuple[str, dict[str, str], aiohttp.ClientSession],
) -> None:
    url, tokens, http = limited
    headers = bearer(tokens["a"])
    answers = [await post(http, url, {"query": PAGE}, headers) for _ in range(12)]
    served = [body for status, _, body in answers if status == 200]
    assert served and served[0]["extensions"]["cost"] == {
        "requested": 11,
        "actual": 11,
        "limit": 60,
        "remaining": 49,
    }
    throttled = [(headers, body) for status, headers, body in answers if status == 429]
    assert throttled, [status for status, _, _ in answers]
    retry_headers, body = throttled[0]
    retry_after = int(retry_headers["Retry-After"])
    assert retry_after >= 1
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "THROTTLED", "retryAfter": retry_after}

    status, _, _ = await post(http, url, {"query": PAGE}, bearer(tokens["b"]))
    assert status == 200  # each key has its own bucket

    await asyncio.sleep(retry_after)
    status, _, body = await post(http, url, {"query": PAGE}, headers)
    assert status == 200 and body["data"]["orders"]["nodes"], body


async def test_unused_points_are_given_back(
    limited: tuple[str, dict[str, str], aiohttp.ClientSession],
) -> None:
    url, tokens, http = limited
    query = "{ orders(first: 30) { nodes { id } } }"  # 31 requested, 6 returned
    for served in range(1, 6):  # without the 25 points given back each time, the second would be refused
        status, _, body = await post(http, url, {"query": query}, bearer(tokens["a"]))
        assert status == 200, body
        assert body["extensions"]["cost"]["actual"] == 6
        assert body["extensions"]["cost"]["remaining"] >= 60 - 6 * served


async def test_open_local_mode_reports_its_bucket_but_never_throttles(
    store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    database = await new_database(store, request, tmp_path_factory)
    runner, url = await start_gateway(Settings(database_url=database, port=0, **SMALL))
    try:
        async with aiohttp.ClientSession() as http:
            query = "{ orders(first: 50) { nodes { id } } }"
            answers = await asyncio.gather(*(post(http, url, {"query": query}) for _ in range(20)))
    finally:
        await runner.cleanup()
    assert {status for status, _, _ in answers} == {200}
    remaining = [body["extensions"]["cost"]["remaining"] for _, _, body in answers]
    assert all(0 <= points <= 60 for points in remaining)
