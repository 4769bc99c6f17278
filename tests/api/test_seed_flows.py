"""The upstream flows this project comes from, run end to end against the local store."""

from __future__ import annotations

from tests.conftest import Gateway

RECORD = """mutation($input: CreateOrderInput!) { createOrder(input: $input) {
  order { id status paymentStatus balance { due } } userErrors { code } } }"""
ADD_PAYMENTS = """mutation($id: ID!, $payments: [PaymentInput!]!) { addPayments(orderId: $id, payments: $payments) {
  order { paymentStatus balance { paid due } } payments { id status } userErrors { code } } }"""
APPROVED_UNFULFILLED = """{ orders(filter: {status: [APPROVED], fulfillmentStatus: [NOT_FULFILLED]}, first: 100) {
  nodes { id lineItems { id quantity fulfilledQuantity } } } }"""
FULFIL = """mutation($id: ID!, $input: FulfillmentInput!) { createFulfillment(orderId: $id, input: $input) {
  order { fulfillmentStatus } fulfillment { trackingInfo { shippingProvider trackingLink } } userErrors { code } } }"""
BULK_FULFIL = """mutation($input: [BulkFulfillmentInput!]!) { bulkCreateFulfillments(input: $input) {
  results { success order { fulfillmentStatus } } bulkActionMetadata { totalSuccesses totalFailures } } }"""
BULK_PAY = """mutation($refs: [OrderPaymentRef!]!) { bulkUpdatePaymentStatuses(payments: $refs, status: APPROVED) {
  results { success order { paymentStatus } } bulkActionMetadata { totalSuccesses totalFailures } } }"""


async def test_record_an_external_order_then_its_payments(gateway: Gateway) -> None:
    created = await gateway.query(
        RECORD,
        {
            "input": {
                "currency": "USD",
                "externalId": "legacy-4711",
                "lineItems": [{"productName": "Desk", "quantity": 1, "price": "250.00", "taxRate": "0.08"}],
            }
        },
    )
    order = created["createOrder"]["order"]
    assert (order["paymentStatus"], order["balance"]["due"]) == ("NOT_PAID", "270.00")
    paid = await gateway.query(
        ADD_PAYMENTS,
        {
            "id": order["id"],
            "payments": [
                {"amount": "200.00", "method": "CREDIT_CARD", "createdAt": "2026-11-01T10:00:00Z"},
                {"amount": "70.00", "method": "GIFT_CARD", "createdAt": "2026-11-01T10:00:01Z"},
            ],
        },
    )
    result = paid["addPayments"]
    assert result["userErrors"] == []
    assert result["order"] == {"paymentStatus": "PAID", "balance": {"paid": "270.00", "due": "0.00"}}


async def test_fulfil_approved_orders_with_tracking_one_by_one_and_in_bulk(gateway: Gateway) -> None:
    for _ in range(4):
        await gateway.create()
    waiting = (await gateway.query(APPROVED_UNFULFILLED))["orders"]["nodes"]
    assert len(waiting) >= 4
    first, rest = waiting[0], waiting[1:]
    one = await gateway.query(
        FULFIL,
        {
            "id": first["id"],
            "input": {
                "lineItems": [
                    {"lineItemId": li["id"], "quantity": li["quantity"]} for li in first["lineItems"]
                ],
                "trackingInfo": {"trackingNumber": "123456789012", "shippingProvider": "fedex"},
            },
        },
    )
    done = one["createFulfillment"]
    assert done["order"]["fulfillmentStatus"] == "FULFILLED"
    assert done["fulfillment"]["trackingInfo"]["trackingLink"].endswith("trackingnumber=123456789012")
    bulk = await gateway.query(
        BULK_FULFIL,
        {
            "input": [
                {
                    "orderId": order["id"],
                    "fulfillment": {
                        "lineItems": [
                            {"lineItemId": li["id"], "quantity": li["quantity"]} for li in order["lineItems"]
                        ],
                        "trackingInfo": {"trackingNumber": f"1Z{i}", "shippingProvider": "ups"},
                    },
                }
                for i, order in enumerate(rest)
            ]
        },
    )
    summary = bulk["bulkCreateFulfillments"]
    assert summary["bulkActionMetadata"] == {"totalSuccesses": len(rest), "totalFailures": 0}
    assert {r["order"]["fulfillmentStatus"] for r in summary["results"]} == {"FULFILLED"}
    assert (await gateway.query(APPROVED_UNFULFILLED))["orders"]["nodes"] == []


async def test_bulk_payment_status_updates_approve_pending_payments(gateway: Gateway) -> None:
    refs = []
    for _ in range(3):
        order = await gateway.create()
        added = await gateway.query(
            ADD_PAYMENTS,
            {
                "id": order["id"],
                "payments": [{"amount": "24.08", "method": "BANK_TRANSFER", "status": "PENDING"}],
            },
        )
        refs.append({"orderId": order["id"], "paymentId": added["addPayments"]["payments"][0]["id"]})
    bulk = (await gateway.query(BULK_PAY, {"refs": refs}))["bulkUpdatePaymentStatuses"]
    assert bulk["bulkActionMetadata"] == {"totalSuccesses": 3, "totalFailures": 0}
    assert [r["order"]["paymentStatus"] for r in bulk["results"]] == ["PAID"] * 3
