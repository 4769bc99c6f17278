"""Two gateway processes on one PostgreSQL: concurrent clients, events across processes, restarts.

Both processes poll the log only once a minute here, so an event that reaches a subscriber within seconds
was delivered by LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from itertools import cycle
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.api.test_concurrent_money import FULFIL, PAYMENTS, READ, REFUND
from tests.api.test_event_log import events_since, head
from tests.api.test_order_mutations import APPROVE, UPDATE
from tests.conftest import CREATE, Client, new_database, order_input
from tests.support.processes import gateway_process
from tests.support.subscriptions import Socket, subscription

SLOW_POLL = {"events_poll_ms": "60000"}
NOTE = "mutation($id: ID!, $i: String!) { addOrderHistory(orderId: $id, input: {message: $i}) { userErrors { code } } }"


@pytest_asyncio.fixture(scope="module")
async def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    return await new_database("postgresql", request, tmp_path_factory)


@pytest_asyncio.fixture(scope="module")
async def pair(database: str) -> AsyncIterator[tuple[Client, Client]]:
    """Clients of two gateway processes serving the same PostgreSQL database."""
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(gateway_process(database, **SLOW_POLL))
        b = await stack.enter_async_context(gateway_process(database, **SLOW_POLL))
        http = await stack.enter_async_context(aiohttp.ClientSession())
        yield Client(a.url, http), Client(b.url, http)


def codes(results: list[dict[str, Any]]) -> list[str]:
    """The first userError code of each mutation result, or OK."""
    found = []
    for data in results:
        [payload] = data.values()
        found.append(payload["userErrors"][0]["code"] if payload["userErrors"] else "OK")
    return found


# ------------------------------------------------------------------------------ concurrent clients


async def test_fifty_parallel_creates_over_both_processes_get_distinct_gap_free_numbers(
    pair: tuple[Client, Client],
) -> None:
    clients = cycle(pair)
    made = await asyncio.gather(*(next(clients).create() for _ in range(50)))
    numbers = sorted(int(order["number"]) for order in made)
    assert numbers == list(range(numbers[0], numbers[0] + 50))


async def test_parallel_updates_with_one_expected_revision_let_exactly_one_through(
    pair: tuple[Client, Client],
) -> None:
    a, b = pair
    order = await a.create()
    clients = cycle(pair)
    results = await asyncio.gather(
        *(
            next(clients).query(
                UPDATE, {"id": order["id"], "input": {"note": f"note {i}"}, "rev": order["revision"]}
            )
            for i in range(12)
        )
    )
    found = codes(results)
    assert found.count("OK") == 1
    assert found.count("REVISION_MISMATCH") == 11
    after = await b.field("query($id: ID!) { order(id: $id) { revision } }", id=order["id"])
    assert after["revision"] == order["revision"] + 1


async def test_parallel_fulfillments_of_the_last_units_over_both_processes_let_one_through(
    pair: tuple[Client, Client],
) -> None:
    a, _ = pair
    order = await a.create(lineItems=[{"productName": "Lamp", "quantity": 2, "price": "30.00"}])
    line = order["lineItems"][0]["id"]
    clients = cycle(pair)
    results = await asyncio.gather(
        *(next(clients).query(FULFIL, {"id": order["id"], "line": line}) for _ in range(10))
    )
    found = codes(results)
    assert found.count("OK") == 1
    assert found.count("QUANTITY_EXCEEDED") == 9
    after = (await a.query(READ, {"id": order["id"]}))["order"]
    assert after["lineItems"] == [{"quantity": 2, "fulfilledQuantity": 2}]


async def test_parallel_refunds_over_both_processes_stop_at_the_payment_amount(
    pair: tuple[Client, Client],
) -> None:
    a, _ = pair
    order = await a.create(
        lineItems=[{"productName": "Chair", "quantity": 1, "price": "100.00"}],
        payments=[{"amount": "100.00", "method": "CARD"}],
    )
    [payment] = (await a.query(PAYMENTS, {"id": order["id"]}))["order"]["payments"]
    clients = cycle(pair)
    results = await asyncio.gather(
        *(next(clients).query(REFUND, {"id": order["id"], "payment": payment["id"]}) for _ in range(12))
    )
    found = codes(results)
    assert (found.count("OK"), found.count("AMOUNT_EXCEEDED")) == (5, 7)
    after = (await a.query(READ, {"id": order["id"]}))["order"]
    assert after["balance"] == {"paid": "0.00", "refunded": "100.00"}


async def test_parallel_creates_with_one_idempotency_key_make_one_order(pair: tuple[Client, Client]) -> None:
    a, _ = pair
    clients = cycle(pair)
    body = order_input()
    results = await asyncio.gather(
        *(next(clients).query(CREATE, {"input": body, "key": "retried-checkout"}) for _ in range(10))
    )
    assert {r["createOrder"]["order"]["id"] for r in results} == {results[0]["createOrder"]["order"]["id"]}
    found = await a.field(
        "query($q: String) { orders(first: 5, filter: {query: $q}) { totalCount } }", q=body["buyer"]["email"]
    )
    assert found["totalCount"] == 1


async def test_parallel_definitions_of_statuses_get_distinct_positions(pair: tuple[Client, Client]) -> None:
    define = "mutation($n: String!) { defineOrderStatus(input: {name: $n}) { userErrors { code } } }"
    clients = cycle(pair)
    results = await asyncio.gather(
        *(next(clients).query(define, {"n": name}) for name in ["Packed", "Held", "Packed", "Picked"] * 3)
    )
    found = codes(results)
    assert (found.count("OK"), found.count("INVALID")) == (3, 9)
    statuses = await pair[0].field("{ orderStatuses { name } }")
    assert sorted(status["name"] for status in statuses) == ["Held", "Packed", "Picked"]


# ------------------------------------------------------------------------------ events across processes


async def test_a_subscriber_of_one_process_gets_the_other_processes_events_in_log_order(
    pair: tuple[Client, Client],
) -> None:
    a, b = pair
    start = await head(a)
    socket = await Socket.open(a.http, a.url)
    await socket.subscribe("1", subscription(), {"after": start})
    await asyncio.sleep(0.3)  # caught up with the log: what follows arrives live

    started = time.monotonic()
    orders = await asyncio.gather(*(b.create(status="INITIALIZED") for _ in range(15)))
    await asyncio.gather(*(b.query(APPROVE, {"id": order["id"]}) for order in orders))
    await asyncio.gather(*(b.query(NOTE, {"id": order["id"], "i": "packed"}) for order in orders))
    received = await socket.events(45, seconds=10)
    elapsed = time.monotonic() - started

    logged = await events_since(b, start)
    assert [event["id"] for event in received] == [event["id"] for event in logged]
    assert len({event["id"] for event in received}) == 45
    assert elapsed < 15  # far below the one-minute poll: NOTIFY woke the reader
    await socket.close()


async def test_a_restarted_process_resumes_a_subscriber_with_after_without_losing_events(
    database: str, pair: tuple[Client, Client]
) -> None:
    _, b = pair
    order = await b.create()
    async with gateway_process(database, **SLOW_POLL) as first:
        socket = await Socket.open(b.http, first.url)
        await socket.subscribe("1", subscription(), {"after": await head(b)})
        await asyncio.sleep(0.3)
        await b.query(NOTE, {"id": order["id"], "i": "before"})
        [seen] = await socket.events(1)
        first.process.send_signal(signal.SIGKILL)
        await first.process.wait()

        for i in range(5):  # written while nobody serves the subscriber
            await b.query(NOTE, {"id": order["id"], "i": f"while down {i}"})

    async with gateway_process(database, **SLOW_POLL) as second:
        socket = await Socket.open(b.http, second.url)
        await socket.subscribe("1", subscription(), {"after": seen["id"]})
        replayed = await socket.events(5)
        await b.query(NOTE, {"id": order["id"], "i": "after"})
        [live] = await socket.events(1)
        logged = await events_since(b, seen["id"])
        assert [event["id"] for event in [*replayed, live]] == [event["id"] for event in logged]
        await socket.close()
