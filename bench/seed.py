"""Creates the orders the scenarios read, over HTTP through the gateway's own `createOrder`."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson

from bench import BenchError
from bench.graphql import HEADERS, encode, problem

CREATE_ORDER = (
    "mutation($input: CreateOrderInput!) { createOrder(input: $input) "
    "{ order { id number } userErrors { code message field } } }"
)
LINES = (
    {"productName": "Mug", "quantity": 2, "price": "9.95", "taxRate": "0.21"},
    {"productName": "Tea towel", "quantity": 1, "price": "12.50", "taxRate": "0.21"},
    {"productName": "Coffee beans 1 kg", "quantity": 3, "price": "24.00", "taxRate": "0.09"},
)
LINES_PER_ORDER = len(LINES)


def _order_input(index: int) -> dict[str, object]:
    return {
        "currency": "EUR",
        "buyer": {"email": f"b{index}@example.com", "firstName": "Ann", "lastName": f"Lee {index}"},
        "lineItems": list(LINES),
    }


async def _create(
    session: aiohttp.ClientSession, url: str, index: int, slots: asyncio.Semaphore
) -> str | None:
    """Creates order `index`; returns what went wrong, or None."""
    payload = encode(CREATE_ORDER, {"input": _order_input(index)})
    async with slots:
        try:
            async with session.post(url, data=payload, headers=HEADERS) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"order {index}: {exc!r}"
    if reason := problem(status, body):
        return f"order {index}: {reason}"
    user_errors = orjson.loads(body)["data"]["createOrder"]["userErrors"]
    return f"order {index}: userErrors {user_errors}" if user_errors else None


async def seed(url: str, count: int, concurrency: int) -> None:
    """Creates `count` orders with `concurrency` requests in flight; raises BenchError if any fails."""
    slots = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        outcomes = await asyncio.gather(
            *(_create(session, url, index, slots) for index in range(1, count + 1))
        )
    failures = [outcome for outcome in outcomes if outcome]
    if failures:
        raise BenchError(f"seeding failed for {len(failures)} of {count} orders; first: {failures[0]}")
