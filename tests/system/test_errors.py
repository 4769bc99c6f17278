"""Retailys failures as userErrors: ErrorModel messages, 404/422/400, 5xx, timeouts, bad JSON and 429s."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.domain import ids
from app.domain.errors import DomainError
from tests.conftest import Gateway
from tests.system.conftest import GatewayFactory, first_poll_done, system_of
from tests.system.emulator import Emulator

ORDER_PATH = r"/System/Orders/\d+"


@pytest.fixture(scope="module")
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    """A gateway with a short upstream timeout."""
    started = await make_gateway(system_timeout_s=0.3)
    await first_poll_done(started)
    return started


async def run(gateway: Gateway, mutation: str, order_id: str, extra: str = "") -> dict[str, Any]:
    query = f"mutation($id: ID!) {{ {mutation}(id: $id{extra}) {{ order {{ status }} userErrors {{ field message code }} }} }}"
    return await gateway.field(query, id=order_id)


def new_order(emulator: Emulator) -> str:
    return ids.encode("system", "Order", str(emulator.add_order()["id"]))


async def test_unknown_orders_are_not_found(gateway: Gateway, emulator: Emulator) -> None:
    missing = ids.encode("system", "Order", "424242")
    assert await gateway.field("query($id: ID!) { order(id: $id) { id } }", id=missing) is None
    result = await run(gateway, "completeOrder", missing)
    assert result["userErrors"][0]["code"] == "NOT_FOUND"
    assert "Order not found" in result["userErrors"][0]["message"]


async def test_422_is_an_invalid_transition_with_the_upstream_message(
    gateway: Gateway, emulator: Emulator
) -> None:
    emulator.fail("PATCH", ORDER_PATH + "/sent", 422, message="Order is locked")
    result = await run(gateway, "markOrderSent", new_order(emulator))
    assert result["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert "Order is locked: injected fault" in result["userErrors"][0]["message"]


async def test_400_is_an_upstream_error_and_posts_are_not_retried(
    gateway: Gateway, emulator: Emulator
) -> None:
    order_id = new_order(emulator)
    emulator.fail("POST", ORDER_PATH + "/history", 400, message="Bad record")
    query = """mutation($id: ID!) { addOrderHistory(orderId: $id, input: {message: "hi"}) {
      userErrors { message code } } }"""
    before = len(emulator.calls("POST", ORDER_PATH + "/history"))
    result = await gateway.field(query, id=order_id)
    assert result["userErrors"] == [
        {"message": "Retailys answered 400: Bad record: injected fault", "code": "UPSTREAM_ERROR"}
    ]
    assert len(emulator.calls("POST", ORDER_PATH + "/history")) == before + 1


async def test_5xx_is_retried_on_reads_then_an_upstream_error(gateway: Gateway, emulator: Emulator) -> None:
    order_id = new_order(emulator)
    emulator.fail("PATCH", ORDER_PATH + "/done", 503, message="Maintenance")
    recovered = await run(gateway, "completeOrder", order_id)
    assert recovered["userErrors"] == [] and recovered["order"]["status"] == "COMPLETED"
    other = new_order(emulator)
    emulator.fail("PATCH", ORDER_PATH + "/done", 500, message="Boom", times=3)
    failed = await run(gateway, "completeOrder", other)
    assert failed["userErrors"][0]["code"] == "UPSTREAM_ERROR"
    assert "500: Boom" in failed["userErrors"][0]["message"]


async def test_timeouts_retry_idempotent_calls_and_fail_writes_cleanly(
    gateway: Gateway, emulator: Emulator
) -> None:
    order_id = new_order(emulator)
    emulator.fail("PATCH", ORDER_PATH + "/cancel", delay_s=0.5)
    recovered = await run(gateway, "cancelOrder", order_id)
    assert recovered["order"]["status"] == "CANCELED"
    emulator.fail("PATCH", ORDER_PATH + "/paid", delay_s=0.5)
    other = new_order(emulator)
    emulator.orders[int(ids.decode(other).native)]["money"] = 10.0
    failed = await run(gateway, "markOrderPaid", other)
    assert failed["userErrors"][0]["code"] == "UPSTREAM_ERROR"
    assert "did not answer" in failed["userErrors"][0]["message"]
    assert (
        len([c for c in emulator.calls("PATCH", ORDER_PATH + "/paid") if ids.decode(other).native in c.path])
        == 1
    )


async def test_malformed_json_is_an_upstream_error(gateway: Gateway, emulator: Emulator) -> None:
    order_id = new_order(emulator)
    emulator.fail("GET", ORDER_PATH, malformed=True)
    result = await run(gateway, "completeOrder", order_id)
    assert result["userErrors"][0]["code"] == "UPSTREAM_ERROR"
    assert "malformed JSON" in result["userErrors"][0]["message"]


async def test_429_waits_retry_after_for_reads_but_not_for_posts(
    gateway: Gateway, emulator: Emulator
) -> None:
    order_id = new_order(emulator)
    emulator.fail("GET", ORDER_PATH, 429, message="Too Many Requests")
    started = time.monotonic()
    result = await run(gateway, "completeOrder", order_id)
    assert result["userErrors"] == []
    assert time.monotonic() - started >= 0.9  # Retry-After: 1
    emulator.fail("POST", ORDER_PATH + "/history", 429, message="Too Many Requests")
    query = """mutation($id: ID!) { addOrderHistory(orderId: $id, input: {message: "hi"}) { userErrors { code } } }"""
    before = len(emulator.history)
    assert (await gateway.field(query, id=order_id))["userErrors"] == [{"code": "UPSTREAM_ERROR"}]
    assert len(emulator.history) == before


async def test_failed_reads_are_graphql_errors_with_the_code_not_crashes(
    gateway: Gateway, emulator: Emulator
) -> None:
    order_id = new_order(emulator)
    emulator.fail("GET", ORDER_PATH, delay_s=0.5, times=3)
    errors = await gateway.errors("query($id: ID!) { order(id: $id) { id } }", {"id": order_id})
    assert errors[0]["extensions"]["code"] == "UPSTREAM_ERROR"
    assert "did not answer" in errors[0]["message"]
    emulator.fail("GET", "/System/Orders", 502, message="Bad gateway", times=3)
    errors = await gateway.errors('query { orders(filter: {source: "system"}) { nodes { id } } }')
    assert errors[0]["extensions"]["code"] == "UPSTREAM_ERROR"


async def test_a_failed_poll_loses_nothing(gateway: Gateway, emulator: Emulator) -> None:
    poller = system_of(gateway).poller
    raw = emulator.add_order()
    emulator.fail("GET", "/System/Orders", 500, message="Down", times=3)
    with pytest.raises(DomainError):
        await poller.poll_once()
    await poller.poll_once()
    assert await gateway.event_types(ids.encode("system", "Order", str(raw["id"]))) == [
        "ORDER_CREATED",
        "ORDER_APPROVED",
    ]


async def test_a_wrong_token_is_an_upstream_error(make_gateway: GatewayFactory) -> None:
    refused = await make_gateway(system_token="not-the-token")
    errors = await refused.errors('query { orders(filter: {source: "system"}) { nodes { id } } }')
    assert errors[0]["extensions"]["code"] == "UPSTREAM_ERROR"
    assert errors[0]["message"].startswith("Retailys answered 401: Unauthorized")
