"""Creates the orders the scenarios use, over HTTP through the gateway's own mutations.

First a pool of one-line orders for the write scenario to fulfil a unit at a time, then the regular
orders (created after the pool and the rich ones, so newest-first pages show only them): each with 1–2
payments, then partly fulfilled through `bulkCreateFulfillments` (its first two lines in full). The rich
orders, for `order(id)`, each have 10 lines, 3 payments and 3 fulfillments.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import orjson

from bench import BenchError
from bench.graphql import HEADERS, encode, problem

if TYPE_CHECKING:
    from collections.abc import Awaitable, Sequence

T = TypeVar("T")

CREATE_ORDER = (
    "mutation($input: CreateOrderInput!) { createOrder(input: $input) "
    "{ order { id lineItems { id } } userErrors { code message field } } }"
)
BULK_CREATE_FULFILLMENTS = (
    "mutation($input: [BulkFulfillmentInput!]!) { bulkCreateFulfillments(input: $input) "
    "{ results { originalIndex success id error { code message field } } "
    "bulkActionMetadata { totalSuccesses totalFailures } userErrors { code message field } } }"
)
BULK_MAX = 100  # items one bulkCreateFulfillments accepts
LINES: tuple[dict[str, Any], ...] = (
    {"productName": "Mug", "quantity": 2, "price": "9.95", "taxRate": "0.21"},
    {"productName": "Tea towel", "quantity": 1, "price": "12.50", "taxRate": "0.21"},
    {"productName": "Coffee beans 1 kg", "quantity": 3, "price": "24.00", "taxRate": "0.09"},
)
LINES_PER_ORDER = len(LINES)
FULFILLED_LINES = 2  # the first lines of each regular order, fulfilled in full at seeding
PAYMENTS = ({"amount": "50.00", "method": "card"}, {"amount": "20.00", "method": "paypal"})
POOL_QUANTITY = 100_000  # units on a pool order's one line: far more than a run fulfils
RICH_ORDERS = 20  # orders as big as a busy shop's: ~10 lines, 3 payments, 3 fulfillments and their history
RICH_LINES = 10
RICH_PAYMENTS = 3
RICH_FULFILLMENTS = 3


@dataclass(frozen=True)
class Seeded:
    """What seeding created, oldest first."""

    order_ids: list[str]
    pool: list[tuple[str, str]]  # (order id, its one line item's id)
    rich: list[str]  # the ids of the rich orders (created before the regular ones)


def _order_input(index: int) -> dict[str, object]:
    return {
        "currency": "EUR",
        "buyer": {"email": f"b{index}@example.com", "firstName": "Ann", "lastName": f"Lee {index}"},
        "lineItems": list(LINES),
        "payments": list(PAYMENTS[: 1 + index % 2]),
    }


def _rich_input(index: int) -> dict[str, object]:
    lines = [
        {"productName": f"Item {j}", "sku": f"SKU-{j:03d}", "quantity": 2, "price": "4.50", "taxRate": "0.21"}
        for j in range(RICH_LINES)
    ]
    return {
        "currency": "EUR",
        "buyer": {"email": f"rich{index}@example.com", "firstName": "Cy", "lastName": f"Ro {index}"},
        "lineItems": lines,
        "payments": [{"amount": "10.00", "method": "card"}] * RICH_PAYMENTS,
    }


def _pool_input(index: int) -> dict[str, object]:
    return {
        "currency": "EUR",
        "buyer": {"email": f"pool{index}@example.com", "firstName": "Bo", "lastName": f"Ng {index}"},
        "lineItems": [{"productName": "Sticker", "quantity": POOL_QUANTITY, "price": "0.10"}],
    }


def fulfillment_item(order_id: str, lines: Sequence[tuple[str, int]], tracking_number: str) -> dict[str, Any]:
    """One `BulkFulfillmentInput`: `lines` as (line item id, quantity), shipped with UPS."""
    return {
        "orderId": order_id,
        "fulfillment": {
            "lineItems": [{"lineItemId": line_id, "quantity": quantity} for line_id, quantity in lines],
            "trackingInfo": {"trackingNumber": tracking_number, "shippingProvider": "ups"},
        },
    }


async def _mutate(
    session: aiohttp.ClientSession, url: str, payload: bytes, slots: asyncio.Semaphore, what: str
) -> dict[str, Any]:
    """POSTs one mutation and returns its `data`; raises BenchError naming `what` if it failed."""
    async with slots:
        try:
            async with session.post(url, data=payload, headers=HEADERS) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BenchError(f"{what}: {exc!r}") from exc
    if reason := problem(status, body):
        raise BenchError(f"{what}: {reason}")
    data: dict[str, Any] = orjson.loads(body)["data"]
    return data


async def _create(
    session: aiohttp.ClientSession, url: str, order: dict[str, object], slots: asyncio.Semaphore, what: str
) -> tuple[str, list[str]]:
    """Creates one order; returns its id and its line item ids."""
    payload = encode(CREATE_ORDER, {"input": order})
    created = (await _mutate(session, url, payload, slots, what))["createOrder"]
    if created["userErrors"]:
        raise BenchError(f"{what}: userErrors {created['userErrors']}")
    return created["order"]["id"], [line["id"] for line in created["order"]["lineItems"]]


async def _fulfil(
    session: aiohttp.ClientSession,
    url: str,
    items: list[dict[str, Any]],
    slots: asyncio.Semaphore,
    what: str,
) -> None:
    """Creates fulfillments with one `bulkCreateFulfillments`; raises BenchError unless all succeed."""
    payload = encode(BULK_CREATE_FULFILLMENTS, {"input": items})
    bulk = (await _mutate(session, url, payload, slots, what))["bulkCreateFulfillments"]
    if bulk["userErrors"]:
        raise BenchError(f"{what}: userErrors {bulk['userErrors']}")
    failures = bulk["bulkActionMetadata"]["totalFailures"]
    if failures != 0 or len(bulk["results"]) != len(items):
        errors = [result["error"] for result in bulk["results"] if not result["success"]]
        raise BenchError(f"{what}: {failures} of {len(items)} items failed; first: {errors[:1]}")


async def _all(calls: list[Awaitable[T]], what: str) -> list[T]:
    """Awaits every call; raises BenchError saying how many of them failed, and the first reason."""
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    done: list[T] = []
    failures: list[BenchError] = []
    for outcome in outcomes:
        if isinstance(outcome, BenchError):
            failures.append(outcome)
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            done.append(outcome)
    if failures:
        raise BenchError(
            f"seeding failed for {len(failures)} of {len(outcomes)} {what}; first: {failures[0]}"
        )
    return done


async def seed(url: str, orders: int, pool_orders: int, concurrency: int) -> Seeded:
    """Creates `pool_orders` pool orders, then `orders` regular ones, with `concurrency` requests in flight.

    Raises BenchError if any request fails.
    """
    slots = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        pool = await _all(
            [_create(session, url, _pool_input(i), slots, f"pool order {i}") for i in range(pool_orders)],
            "pool orders",
        )
        rich = await _all(
            [_create(session, url, _rich_input(i), slots, f"rich order {i}") for i in range(RICH_ORDERS)],
            "rich orders",
        )
        for k in range(RICH_FULFILLMENTS):  # one fulfillment per round: the k-th line, in full
            shipped = [
                fulfillment_item(order_id, [(line_ids[k], 2)], f"1ZRICH{i:04d}{k}")
                for i, (order_id, line_ids) in enumerate(rich)
            ]
            await _fulfil(session, url, shipped, slots, f"fulfilling rich orders, round {k}")
        regular = await _all(
            [_create(session, url, _order_input(i), slots, f"order {i}") for i in range(1, orders + 1)],
            "orders",
        )
        items = [
            fulfillment_item(
                order_id,
                [
                    (line_id, line["quantity"])
                    for line_id, line in zip(line_ids[:FULFILLED_LINES], LINES[:FULFILLED_LINES], strict=True)
                ],
                f"1ZSEED{i:08d}",
            )
            for i, (order_id, line_ids) in enumerate(regular)
        ]
        await _all(
            [
                _fulfil(
                    session, url, items[start : start + BULK_MAX], slots, f"fulfilling orders from {start}"
                )
                for start in range(0, len(items), BULK_MAX)
            ],
            "bulk fulfillments",
        )
    return Seeded(
        order_ids=[order_id for order_id, _ in regular],
        pool=[(order_id, line_ids[0]) for order_id, line_ids in pool],
        rich=[order_id for order_id, _ in rich],
    )
