"""The Wix transport: auth headers, retries of reads (429 with Retry-After, 5xx, timeouts), writes sent
once, and every upstream failure mapped to a userError or a coded GraphQL error."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.backends.wix.client import RetryPolicy, WixClient
from app.domain import ids
from app.domain.errors import NotFound, UpstreamError
from tests.wix.conftest import WixGateway
from tests.wix.emulator import SITE_ID

ORDER = "query($id: ID!) { order(id: $id) { id status } }"
FULFIL = """mutation($id: ID!, $input: FulfillmentInput!) { createFulfillment(orderId: $id, input: $input) {
  fulfillment { id } userErrors { field code message } } }"""
ADD = """mutation($id: ID!) { addPayments(orderId: $id, payments: [{amount: "1.00", method: "Cash"}]) {
  payments { id } userErrors { field code message } } }"""


def public(native: str) -> str:
    return ids.encode("wix", "Order", native)


async def test_a_429_is_retried_after_the_time_wix_asks(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    doc = wix.place(status="INITIALIZED")  # Search Orders misses it: Get Order reads it
    wix.fail("GET", doc["id"], status=429, retry_after="1")
    started = time.monotonic()
    assert await wix_gateway.field(ORDER, id=public(doc["id"])) == {
        "id": public(doc["id"]),
        "status": "INITIALIZED",
    }
    assert time.monotonic() - started >= 0.9
    assert wix.count("GET", doc["id"]) == 2


async def test_5xx_and_timeouts_on_reads_are_retried_then_reported(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    wix.place(email="retry@example.com")
    wix.fail("POST", "/orders/search", status=502, times=2)
    query = '{ orders(filter: {source: "wix", buyerEmail: "retry@example.com"}) { nodes { id } } }'
    searches = wix.count("POST", "/orders/search")
    assert len((await wix_gateway.field(query))["nodes"]) == 1
    assert wix.count("POST", "/orders/search") == searches + 3
    wix.fail("POST", "/orders/search", stall_s=2.5)  # longer than the 2 s read timeout
    assert len((await wix_gateway.field(query))["nodes"]) == 1
    wix.fail("POST", "/orders/search", status=503, times=3)
    [error] = await wix_gateway.errors(query)
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert "Wix answered 503: injected 503" in error["message"]


async def test_a_body_that_is_not_json_is_an_upstream_error(wix_gateway: WixGateway) -> None:
    doc = wix_gateway.wix.place()
    wix_gateway.wix.fail("POST", "/orders/search", malformed=True)
    [error] = await wix_gateway.errors(ORDER, {"id": public(doc["id"])})
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert "not a JSON object" in error["message"]


async def test_writes_are_sent_once_and_failures_become_user_errors(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    order = await wix_gateway.create_wix()
    line = order["lineItems"][0]["id"]
    fulfil = {"id": order["id"], "input": {"lineItems": [{"lineItemId": line, "quantity": 1}]}}
    for fault, expected in (
        ({"status": 500}, "Wix answered 500: injected 500"),
        ({"status": 429, "retry_after": "0"}, "Wix answered 429: injected 429"),
        ({"status": 400}, "Wix answered 400: injected 400"),
        ({"stall_s": 2.5}, "did not answer"),
    ):
        wix.fail("POST", "/create-fulfillment", **fault)
        before = wix.count("POST", "/create-fulfillment")
        payload = (await wix_gateway.query(FULFIL, fulfil))["createFulfillment"]
        [error] = payload["userErrors"]
        assert error["code"] == "UPSTREAM_ERROR", fault
        assert expected in error["message"]
        assert wix.count("POST", "/create-fulfillment") == before + 1  # never retried
        assert payload["fulfillment"] is None
    wix.fail("POST", "/add-payment", status=502)
    [error] = (await wix_gateway.query(ADD, {"id": order["id"]}))["addPayments"]["userErrors"]
    assert (error["code"], "502" in error["message"]) == ("UPSTREAM_ERROR", True)


async def test_an_order_wix_does_not_know_is_not_found(wix_gateway: WixGateway) -> None:
    missing = public("00000000-dead-beef-0000-000000000000")
    assert await wix_gateway.field(ORDER, id=missing) is None
    fulfil = {"id": missing, "input": {"lineItems": [{"lineItemId": missing, "quantity": 1}]}}
    [error] = (await wix_gateway.query(FULFIL, fulfil))["createFulfillment"]["userErrors"]
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["orderId"])


async def test_the_client_sends_the_api_key_and_site_id(wix_gateway: WixGateway) -> None:
    doc = wix_gateway.wix.place()
    good = WixClient(wix_gateway.site.url, "test-api-key", SITE_ID, retry=RetryPolicy(attempts=1))
    bad = WixClient(wix_gateway.site.url, "wrong-key", SITE_ID, retry=RetryPolicy(attempts=1))
    try:
        assert (await good.get(f"/ecom/v1/orders/{doc['id']}"))["order"]["id"] == doc["id"]
        with pytest.raises(UpstreamError, match="Wix answered 401"):
            await bad.get(f"/ecom/v1/orders/{doc['id']}")
        with pytest.raises(NotFound, match="order not found"):
            await good.get("/ecom/v1/orders/nope")
    finally:
        await good.close()
        await bad.close()


def test_retry_waits_follow_retry_after_else_back_off_exponentially() -> None:
    policy = RetryPolicy(attempts=4, backoff_s=0.1, max_wait_s=2)
    assert [policy.wait(n, None) for n in range(3)] == [0.1, 0.2, 0.4]
    assert policy.wait(0, "1.5") == 1.5
    assert policy.wait(0, "120") == 2  # capped
    in_a_second = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    assert 0 < policy.wait(0, in_a_second) <= 1
    assert policy.wait(1, "soon") == 0.2


async def test_connection_errors_on_reads_are_retried_with_backoff() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    closed = WixClient(
        "http://127.0.0.1:9", "k", "s", retry=RetryPolicy(attempts=3, backoff_s=0.2), sleep=sleep
    )
    try:
        with pytest.raises(UpstreamError, match="cannot reach Wix"):
            await closed.get("/ecom/v1/orders/x")
        assert waits == [0.2, 0.4]
        waits.clear()
        with pytest.raises(UpstreamError, match="cannot reach Wix"):
            await closed.write("POST", "/ecom/v1/orders", {})
        assert waits == []  # a write is never retried
    finally:
        await closed.close()


async def test_a_404_on_a_write_is_not_found(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    wix_gateway.wix.fail("POST", "/activities", status=404)
    note = """mutation($id: ID!) { addOrderHistory(orderId: $id, input: {message: "hi"}) {
      userErrors { code message } } }"""
    [error] = (await wix_gateway.query(note, {"id": order["id"]}))["addOrderHistory"]["userErrors"]
    assert error == {"code": "NOT_FOUND", "message": "Wix answered 404: injected 404"}
