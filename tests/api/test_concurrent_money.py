"""Concurrent clients over HTTP never over-refund a payment or over-fulfil a line."""

from __future__ import annotations

import asyncio

from tests.conftest import Gateway

REFUND = """mutation($id: ID!, $payment: ID!) { refundPayment(orderId: $id, paymentId: $payment, amount: "20.00") {
  userErrors { code } } }"""
FULFIL = """mutation($id: ID!, $line: ID!) {
  createFulfillment(orderId: $id, input: {lineItems: [{lineItemId: $line, quantity: 2}]}) { userErrors { code } } }"""
PAYMENTS = "query($id: ID!) { order(id: $id) { payments { id } } }"
READ = """query($id: ID!) { order(id: $id) { revision balance { paid refunded }
  payments { refundedAmount status } lineItems { quantity fulfilledQuantity } fulfillments { id } } }"""


async def test_parallel_refunds_stop_at_the_payment_amount(gateway: Gateway) -> None:
    order = await gateway.create(
        lineItems=[{"productName": "Chair", "quantity": 1, "price": "100.00"}],
        payments=[{"amount": "100.00", "method": "CARD"}],
    )
    order_payments = (await gateway.query(PAYMENTS, {"id": order["id"]}))["order"]["payments"]
    payment_id = order_payments[0]["id"]
    results = await asyncio.gather(
        *(gateway.query(REFUND, {"id": order["id"], "payment": payment_id}) for _ in range(12))
    )
    codes = [
        r["refundPayment"]["userErrors"][0]["code"] if r["refundPayment"]["userErrors"] else "OK"
        for r in results
    ]
    assert codes.count("OK") == 5
    assert codes.count("AMOUNT_EXCEEDED") == 7
    after = (await gateway.query(READ, {"id": order["id"]}))["order"]
    assert after["payments"] == [{"refundedAmount": "100.00", "status": "REFUNDED"}]
    assert after["balance"] == {"paid": "0.00", "refunded": "100.00"}
    assert after["revision"] == order["revision"] + 5


async def test_parallel_fulfillments_of_the_last_units_let_exactly_one_through(gateway: Gateway) -> None:
    order = await gateway.create(lineItems=[{"productName": "Lamp", "quantity": 2, "price": "30.00"}])
    line = order["lineItems"][0]["id"]
    results = await asyncio.gather(
        *(gateway.query(FULFIL, {"id": order["id"], "line": line}) for _ in range(8))
    )
    codes = [r["createFulfillment"]["userErrors"] for r in results]
    assert codes.count([]) == 1
    assert codes.count([{"code": "QUANTITY_EXCEEDED"}]) == 7
    after = (await gateway.query(READ, {"id": order["id"]}))["order"]
    assert after["lineItems"] == [{"quantity": 2, "fulfilledQuantity": 2}]
    assert len(after["fulfillments"]) == 1
