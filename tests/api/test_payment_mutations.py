"""Payment mutations over HTTP: add, status changes (one and in bulk), refunds, mark paid, and atomicity."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.backends.local.tables import events_t, history_t, payments_t
from app.server import GATEWAY
from tests.conftest import ORDER_FIELDS, Gateway

PAYMENT_FIELDS = "id amount method status providerTransactionId refundedAmount createdAt updatedAt"
PAYMENTS_PAYLOAD = (
    f"order {{ {ORDER_FIELDS} payments {{ {PAYMENT_FIELDS} }} }} payments {{ {PAYMENT_FIELDS} }} "
    "userErrors { field message code }"
)
ADD = f"""mutation($id: ID!, $payments: [PaymentInput!]!) {{
  addPayments(orderId: $id, payments: $payments) {{ {PAYMENTS_PAYLOAD} }} }}"""
SET_STATUS = f"""mutation($id: ID!, $payment: ID!, $status: TransactionStatus!) {{
  updatePaymentStatus(orderId: $id, paymentId: $payment, status: $status) {{ {PAYMENTS_PAYLOAD} }} }}"""
REFUND = f"""mutation($id: ID!, $payment: ID!, $amount: Decimal!, $reason: String) {{
  refundPayment(orderId: $id, paymentId: $payment, amount: $amount, reason: $reason) {{ {PAYMENTS_PAYLOAD} }} }}"""
MARK_PAID = f"""mutation($id: ID!) {{ markOrderPaid(id: $id) {{
  order {{ {ORDER_FIELDS} payments {{ {PAYMENT_FIELDS} }} }} userErrors {{ field message code }} }} }}"""
BULK = """mutation($refs: [OrderPaymentRef!]!, $status: TransactionStatus!) {
  bulkUpdatePaymentStatuses(payments: $refs, status: $status) {
    results { originalIndex success id order { id revision paymentStatus payments { id status } }
              error { field message code } }
    bulkActionMetadata { totalSuccesses totalFailures }
    userErrors { field message code } } }"""
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { userErrors { code } } }"
COMPLETE = "mutation($id: ID!) { completeOrder(id: $id) { userErrors { code } } }"
READ = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} payments {{ {PAYMENT_FIELDS} }} }} }}"


async def order_of(gateway: Gateway, order_id: str) -> dict[str, Any]:
    return (await gateway.query(READ, {"id": order_id}))["order"]  # type: ignore[no-any-return]


async def stored_rows(gateway: Gateway, order_id: str) -> tuple[int, int, int]:
    """(payments, history entries, events) stored for the order."""
    async with gateway.app[GATEWAY].database.read() as conn:
        counts = []
        for table in (payments_t, history_t, events_t):
            stmt = select(func.count()).select_from(table).where(table.c.order_id == order_id)
            counts.append(int((await conn.execute(stmt)).scalar_one()))
    return counts[0], counts[1], counts[2]


async def priced_order(gateway: Gateway, **fields: Any) -> dict[str, Any]:
    """An order whose total is 100.00 EUR (one line, no tax)."""
    lines = [{"productName": "Lamp", "quantity": 2, "price": "50.00"}]
    return await gateway.create(lineItems=lines, **fields)


async def test_add_payments_updates_balance_history_and_events(gateway: Gateway) -> None:
    order = await priced_order(gateway)
    result = await gateway.field(
        ADD,
        id=order["id"],
        payments=[
            {"amount": "30.00", "method": "CREDIT_CARD", "providerTransactionId": "ch_1"},
            {
                "amount": "20.00",
                "method": "CASH",
                "status": "PENDING",
                "createdAt": "2026-01-02T03:04:05+02:00",
            },
        ],
    )
    assert result["userErrors"] == []
    payments = result["payments"]
    assert [(p["amount"], p["method"], p["status"]) for p in payments] == [
        ("30.00", "CREDIT_CARD", "APPROVED"),
        ("20.00", "CASH", "PENDING"),
    ]
    assert payments[0]["providerTransactionId"] == "ch_1"
    assert payments[1]["createdAt"] == "2026-01-02T01:04:05.000Z"
    assert [p["id"] for p in result["order"]["payments"]] == [p["id"] for p in payments]
    new = result["order"]
    assert new["balance"] == {"paid": "30.00", "refunded": "0.00", "due": "70.00"}
    assert (new["paymentStatus"], new["revision"]) == ("PARTIALLY_PAID", 2)
    assert [h["kind"] for h in new["history"][-2:]] == ["PAYMENT_ADDED", "PAYMENT_ADDED"]
    assert await gateway.event_types(order["id"]) == [
        "ORDER_CREATED",
        "ORDER_APPROVED",
        "TRANSACTIONS_UPDATED",
    ]


async def test_create_order_with_payments_records_them(gateway: Gateway) -> None:
    order = await priced_order(
        gateway, externalId="shop-77", payments=[{"amount": "100.00", "method": "CREDIT_CARD"}]
    )
    assert order["paymentStatus"] == "PAID"
    assert order["balance"] == {"paid": "100.00", "refunded": "0.00", "due": "0.00"}
    assert [h["kind"] for h in order["history"]] == ["ORDER_CREATED", "ORDER_APPROVED", "PAYMENT_ADDED"]


async def test_refused_payment_input_changes_nothing(gateway: Gateway) -> None:
    order = await priced_order(gateway)
    before = await stored_rows(gateway, order["id"])
    cases: list[tuple[list[dict[str, Any]], list[str], str]] = [
        ([], ["payments"], "INVALID"),
        ([{"amount": "1.00", "method": "CASH"}] * 51, ["payments"], "LIMIT_EXCEEDED"),
        ([{"amount": "0", "method": "CASH"}], ["payments", "0", "amount"], "INVALID"),
        (
            [{"amount": "1.00", "method": "CASH"}, {"amount": "1.001", "method": "CASH"}],
            ["payments", "1", "amount"],
            "INVALID",
        ),
        ([{"amount": "1.00", "method": "  "}], ["payments", "0", "method"], "INVALID"),
        (
            [{"amount": "1.00", "method": "CASH", "createdAt": "2999-01-01T00:00:00Z"}],
            ["payments", "0", "createdAt"],
            "INVALID",
        ),
        (
            [{"amount": "1.00", "method": "CASH", "status": "REFUNDED"}],
            ["payments", "0", "status"],
            "INVALID",
        ),
    ]
    for payments, field, code in cases:
        result = await gateway.field(ADD, id=order["id"], payments=payments)
        assert result["order"] is None and result["payments"] == []
        assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(field, code)], payments
    assert await stored_rows(gateway, order["id"]) == before
    assert (await order_of(gateway, order["id"]))["revision"] == 1


async def test_payment_status_moves_along_the_table(gateway: Gateway) -> None:
    order = await priced_order(gateway)
    added = await gateway.field(
        ADD, id=order["id"], payments=[{"amount": "100.00", "method": "CARD", "status": "PENDING"}]
    )
    payment = added["payments"][0]["id"]
    assert added["order"]["paymentStatus"] == "PENDING"
    authorized = await gateway.field(SET_STATUS, id=order["id"], payment=payment, status="AUTHORIZED")
    assert authorized["payments"][0]["status"] == "AUTHORIZED"
    assert authorized["order"]["paymentStatus"] == "PENDING"
    approved = await gateway.field(SET_STATUS, id=order["id"], payment=payment, status="APPROVED")
    assert approved["order"]["paymentStatus"] == "PAID"
    assert approved["order"]["history"][-1]["kind"] == "PAYMENT_STATUS_CHANGED"
    assert approved["order"]["revision"] == 4
    same = await gateway.field(SET_STATUS, id=order["id"], payment=payment, status="APPROVED")
    assert same["userErrors"] == [] and same["order"]["revision"] == 4
    for target in ("PENDING", "VOIDED", "REFUNDED", "PARTIALLY_REFUNDED"):
        refused = await gateway.field(SET_STATUS, id=order["id"], payment=payment, status=target)
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            (["status"], "INVALID_TRANSITION")
        ]
    unknown = await gateway.field(SET_STATUS, id=order["id"], payment=order["id"], status="APPROVED")
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [(["paymentId"], "NOT_FOUND")]
    assert (await order_of(gateway, order["id"]))["revision"] == 4


async def test_refunds_partial_then_full_and_never_more_than_left(gateway: Gateway) -> None:
    order = await priced_order(gateway, payments=[{"amount": "100.00", "method": "CARD"}])
    payment = (await order_of(gateway, order["id"]))["payments"][0]["id"]
    partial = await gateway.field(
        REFUND, id=order["id"], payment=payment, amount="40.00", reason="broken lamp"
    )
    assert partial["payments"][0]["status"] == "PARTIALLY_REFUNDED"
    assert partial["payments"][0]["refundedAmount"] == "40.00"
    assert partial["order"]["balance"] == {"paid": "60.00", "refunded": "40.00", "due": "0.00"}
    assert partial["order"]["paymentStatus"] == "PARTIALLY_REFUNDED"
    assert partial["order"]["history"][-1]["kind"] == "REFUNDED"
    assert "broken lamp" in partial["order"]["history"][-1]["message"]
    too_much = await gateway.field(REFUND, id=order["id"], payment=payment, amount="60.01")
    assert [(e["field"], e["code"]) for e in too_much["userErrors"]] == [(["amount"], "AMOUNT_EXCEEDED")]
    full = await gateway.field(REFUND, id=order["id"], payment=payment, amount="60.00")
    assert full["payments"][0]["status"] == "REFUNDED"
    assert full["order"]["balance"] == {"paid": "0.00", "refunded": "100.00", "due": "0.00"}
    assert full["order"]["paymentStatus"] == "FULLY_REFUNDED"
    again = await gateway.field(REFUND, id=order["id"], payment=payment, amount="0.01")
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["amount"], "AMOUNT_EXCEEDED")]
    assert await gateway.event_types(order["id"]) == [
        "ORDER_CREATED",
        "ORDER_APPROVED",
        "TRANSACTIONS_UPDATED",
        "TRANSACTIONS_UPDATED",
    ]


async def test_mark_paid_pays_exactly_the_balance_due(gateway: Gateway) -> None:
    order = await priced_order(gateway, payments=[{"amount": "25.50", "method": "CARD"}])
    paid = await gateway.field(MARK_PAID, id=order["id"])
    assert paid["userErrors"] == []
    offline = paid["order"]["payments"][-1]
    assert (offline["amount"], offline["method"], offline["status"]) == ("74.50", "OFFLINE", "APPROVED")
    assert paid["order"]["balance"]["due"] == "0.00" and paid["order"]["paymentStatus"] == "PAID"
    again = await gateway.field(MARK_PAID, id=order["id"])
    assert again["order"] is None
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["id"], "INVALID")]


async def test_canceled_orders_take_status_changes_and_refunds_but_no_new_money(gateway: Gateway) -> None:
    order = await priced_order(gateway, payments=[{"amount": "100.00", "method": "CARD"}])
    payment = (await order_of(gateway, order["id"]))["payments"][0]["id"]
    await gateway.field(CANCEL, id=order["id"])
    refused = await gateway.field(ADD, id=order["id"], payments=[{"amount": "1.00", "method": "CASH"}])
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert (await gateway.field(MARK_PAID, id=order["id"]))["userErrors"][0]["code"] == "INVALID_TRANSITION"
    refunded = await gateway.field(REFUND, id=order["id"], payment=payment, amount="100.00")
    assert refunded["userErrors"] == [] and refunded["order"]["status"] == "CANCELED"


async def test_completed_orders_still_take_money(gateway: Gateway) -> None:
    order = await priced_order(gateway)
    await gateway.field(COMPLETE, id=order["id"])
    added = await gateway.field(ADD, id=order["id"], payments=[{"amount": "100.00", "method": "CARD"}])
    assert added["userErrors"] == [] and added["order"]["paymentStatus"] == "PAID"


async def test_bulk_status_update_succeeds_or_fails_per_item(gateway: Gateway) -> None:
    first = await priced_order(gateway)
    second = await priced_order(gateway)
    pending = [{"amount": "50.00", "method": "CARD", "status": "PENDING"}] * 2
    a = (await gateway.field(ADD, id=first["id"], payments=pending))["payments"]
    b = (
        await gateway.field(
            ADD,
            id=second["id"],
            payments=[{"amount": "100.00", "method": "CARD", "status": "DECLINED"}],
        )
    )["payments"]
    before_second = await stored_rows(gateway, second["id"])
    refs = [
        {"orderId": first["id"], "paymentId": a[0]["id"]},
        {"orderId": second["id"], "paymentId": b[0]["id"]},  # DECLINED → APPROVED: refused
        {"orderId": first["id"], "paymentId": second["id"]},  # no such payment
        {"orderId": "bm9wZQ", "paymentId": a[0]["id"]},  # no such order
        {"orderId": first["id"], "paymentId": a[1]["id"]},
    ]
    result = await gateway.field(BULK, refs=refs, status="APPROVED")
    assert result["userErrors"] == []
    assert result["bulkActionMetadata"] == {"totalSuccesses": 2, "totalFailures": 3}
    results = result["results"]
    assert [r["originalIndex"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["success"] for r in results] == [True, False, False, False, True]
    assert [r["id"] for r in results if r["success"]] == [a[0]["id"], a[1]["id"]]
    assert [(r["error"]["field"], r["error"]["code"]) for r in results if not r["success"]] == [
        (["payments", "1", "status"], "INVALID_TRANSITION"),
        (["payments", "2", "paymentId"], "NOT_FOUND"),
        (["payments", "3", "orderId"], "NOT_FOUND"),
    ]
    # both items on the first order are one change: one revision, one event
    order = results[0]["order"]
    assert (order["revision"], order["paymentStatus"]) == (3, "PAID")
    assert [p["status"] for p in order["payments"]] == ["APPROVED", "APPROVED"]
    added_then_bulk = ["TRANSACTIONS_UPDATED", "TRANSACTIONS_UPDATED"]
    assert await gateway.event_types(first["id"]) == ["ORDER_CREATED", "ORDER_APPROVED", *added_then_bulk]
    assert await stored_rows(gateway, second["id"]) == before_second
    assert (await order_of(gateway, second["id"]))["revision"] == 2


async def test_bulk_limits_refuse_the_whole_request(gateway: Gateway) -> None:
    order = await priced_order(
        gateway, payments=[{"amount": "100.00", "method": "CARD", "status": "PENDING"}]
    )
    payment = (await order_of(gateway, order["id"]))["payments"][0]["id"]
    too_many = [{"orderId": order["id"], "paymentId": payment}] * 301
    result = await gateway.field(BULK, refs=too_many, status="APPROVED")
    assert result["results"] == [] and result["bulkActionMetadata"] == {
        "totalSuccesses": 0,
        "totalFailures": 0,
    }
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(["payments"], "LIMIT_EXCEEDED")]
    empty = await gateway.field(BULK, refs=[], status="APPROVED")
    assert [(e["field"], e["code"]) for e in empty["userErrors"]] == [(["payments"], "INVALID")]
    assert (await order_of(gateway, order["id"]))["payments"][0]["status"] == "PENDING"
    exactly = await gateway.field(BULK, refs=too_many[:300], status="APPROVED")
    assert exactly["bulkActionMetadata"] == {"totalSuccesses": 300, "totalFailures": 0}
    assert (await order_of(gateway, order["id"]))["revision"] == 2


async def test_a_provider_transaction_is_recorded_once_per_order(gateway: Gateway) -> None:
    order = await priced_order(
        gateway, payments=[{"amount": "10.00", "method": "CARD", "providerTransactionId": "ch_9"}]
    )
    retried = await gateway.field(
        ADD,
        id=order["id"],
        payments=[{"amount": "10.00", "method": "CARD", "providerTransactionId": "ch_9"}],
    )
    assert [(e["field"], e["code"]) for e in retried["userErrors"]] == [
        (["payments", "0", "providerTransactionId"], "INVALID")
    ]
    twice = [{"amount": "1.00", "method": "CARD", "providerTransactionId": "ch_10"}] * 2
    result = await gateway.field(ADD, id=order["id"], payments=twice)
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["payments", "1", "providerTransactionId"], "INVALID")
    ]
    other = await priced_order(gateway)
    elsewhere = await gateway.field(
        ADD,
        id=other["id"],
        payments=[{"amount": "10.00", "method": "CARD", "providerTransactionId": "ch_9"}],
    )
    assert elsewhere["userErrors"] == []
    assert len((await order_of(gateway, order["id"]))["payments"]) == 1
