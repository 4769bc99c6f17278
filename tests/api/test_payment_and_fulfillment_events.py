"""Payment and fulfillment mutations in the event log: one event per order changed, of the contract's type,
linked to a history entry the change wrote, and none for a refused change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_event_log import events_since, head
from tests.conftest import Gateway

FIELDS = "id revision history { id kind } payments { id } fulfillments { id }"
PAYLOAD = f"order {{ {FIELDS} }} userErrors {{ code }}"
READ = f"query($id: ID!) {{ order(id: $id) {{ {FIELDS} }} }}"
T, F = "TRANSACTIONS_UPDATED", "FULFILLMENTS_UPDATED"

CALLS: dict[str, tuple[str, str]] = {
    "addPayments": ("$id: ID!, $payments: [PaymentInput!]!", "orderId: $id, payments: $payments"),
    "updatePaymentStatus": (
        "$id: ID!, $payment: ID!, $status: TransactionStatus!",
        "orderId: $id, paymentId: $payment, status: $status",
    ),
    "refundPayment": (
        "$id: ID!, $payment: ID!, $amount: Decimal!",
        "orderId: $id, paymentId: $payment, amount: $amount",
    ),
    "markOrderPaid": ("$id: ID!", "id: $id"),
    "createFulfillment": ("$id: ID!, $input: FulfillmentInput!", "orderId: $id, input: $input"),
    "updateFulfillment": (
        "$id: ID!, $f: ID!, $input: UpdateFulfillmentInput!",
        "orderId: $id, fulfillmentId: $f, input: $input",
    ),
    "deleteFulfillment": ("$id: ID!, $f: ID!", "orderId: $id, fulfillmentId: $f"),
    "markOrderSent": ("$id: ID!", "id: $id"),
    "markOrderDelivered": ("$id: ID!", "id: $id"),
    "addOrderTracking": ("$id: ID!, $input: TrackingInput!", "orderId: $id, input: $input"),
}


def mutation(name: str) -> str:
    params, args = CALLS[name]
    return f"mutation({params}) {{ {name}({args}) {{ {PAYLOAD} }} }}"


async def order_with_payment_and_fulfillment(gateway: Gateway) -> dict[str, Any]:
    order = await gateway.create(
        lineItems=[{"productName": "Mug", "quantity": 3, "price": "10.00"}],
        payments=[{"amount": "10.00", "method": "CARD", "status": "PENDING"}],
    )
    line = order["lineItems"][0]["id"]
    created = await gateway.field(mutation("createFulfillment"), id=order["id"], input=fulfil(line, 1))
    return created["order"] | {"line": line}  # type: ignore[no-any-return]


def fulfil(line: str, quantity: int) -> dict[str, Any]:
    return {"lineItems": [{"lineItemId": line, "quantity": quantity}]}


def variables_for(name: str, order: dict[str, Any]) -> dict[str, Any]:
    payment, fulfillment = order["payments"][0]["id"], order["fulfillments"][0]["id"]
    return {
        "addPayments": {
            "payments": [{"amount": "1.00", "method": "CASH"}, {"amount": "2.00", "method": "CASH"}]
        },
        "updatePaymentStatus": {"payment": payment, "status": "APPROVED"},
        "refundPayment": {"payment": payment, "amount": "1.00"},
        "markOrderPaid": {},
        "createFulfillment": {"input": fulfil(order["line"], 2)},
        "updateFulfillment": {"f": fulfillment, "input": {"status": "SHIPPED"}},
        "deleteFulfillment": {"f": fulfillment},
        "markOrderSent": {},
        "markOrderDelivered": {},
        "addOrderTracking": {"input": {"trackingNumber": "1Z", "shippingProvider": "ups"}},
    }[name]


EXPECTED = {
    "addPayments": T,
    "updatePaymentStatus": T,
    "refundPayment": T,
    "markOrderPaid": T,
    "createFulfillment": F,
    "updateFulfillment": F,
    "deleteFulfillment": F,
    "markOrderSent": F,
    "markOrderDelivered": F,
    "addOrderTracking": F,
}


@pytest.mark.parametrize("name", list(EXPECTED))
async def test_each_mutation_writes_one_event_of_its_type(gateway: Gateway, name: str) -> None:
    order = await order_with_payment_and_fulfillment(gateway)
    if name == "refundPayment":  # a refund needs a captured payment
        await gateway.field(
            mutation("updatePaymentStatus"), id=order["id"], **variables_for("updatePaymentStatus", order)
        )
    before = await head(gateway)
    known = {h["id"] for h in (await gateway.query(READ, {"id": order["id"]}))["order"]["history"]}
    result = await gateway.field(mutation(name), id=order["id"], **variables_for(name, order))
    assert result["userErrors"] == []
    new = result["order"]
    written = [h["id"] for h in new["history"] if h["id"] not in known]
    [event] = await events_since(gateway, before)
    assert (event["type"], event["orderId"]) == (EXPECTED[name], order["id"])
    assert event["historyEntry"]["id"] == written[0]
    assert event["order"] == {"id": order["id"], "revision": new["revision"]}


BULK_PAY = """mutation($refs: [OrderPaymentRef!]!) { bulkUpdatePaymentStatuses(payments: $refs, status: APPROVED) {
  bulkActionMetadata { totalSuccesses totalFailures } } }"""
BULK_FULFIL = """mutation($input: [BulkFulfillmentInput!]!) { bulkCreateFulfillments(input: $input) {
  bulkActionMetadata { totalSuccesses totalFailures } } }"""


async def test_bulk_mutations_write_one_event_per_order_changed(gateway: Gateway) -> None:
    a = await order_with_payment_and_fulfillment(gateway)
    b = await order_with_payment_and_fulfillment(gateway)
    refs = [
        {"orderId": a["id"], "paymentId": a["payments"][0]["id"]},
        {"orderId": b["id"], "paymentId": b["payments"][0]["id"]},
    ]
    before = await head(gateway)
    assert (await gateway.field(BULK_PAY, refs=refs))["bulkActionMetadata"] == {
        "totalSuccesses": 2,
        "totalFailures": 0,
    }
    assert [(e["type"], e["orderId"]) for e in await events_since(gateway, before)] == [
        (T, a["id"]),
        (T, b["id"]),
    ]
    items = [
        {"orderId": a["id"], "fulfillment": fulfil(a["line"], 1)},
        {"orderId": a["id"], "fulfillment": fulfil(a["line"], 1)},
        {"orderId": b["id"], "fulfillment": fulfil(b["line"], 9)},  # refused: only 2 left
    ]
    before = await head(gateway)
    result = await gateway.field(BULK_FULFIL, input=items)
    assert result["bulkActionMetadata"] == {"totalSuccesses": 2, "totalFailures": 1}
    assert [(e["type"], e["orderId"]) for e in await events_since(gateway, before)] == [(F, a["id"])]


async def test_refused_payment_and_fulfillment_changes_write_no_event(gateway: Gateway) -> None:
    order = await order_with_payment_and_fulfillment(gateway)
    before = await head(gateway)
    for name, variables in [
        ("refundPayment", {"payment": order["payments"][0]["id"], "amount": "1.00"}),  # still PENDING
        ("createFulfillment", {"input": fulfil(order["line"], 3)}),  # only 2 left
        ("addPayments", {"payments": []}),
    ]:
        result = await gateway.field(mutation(name), id=order["id"], **variables)
        assert result["userErrors"], name
    assert await events_since(gateway, before) == []
