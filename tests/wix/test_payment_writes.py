"""Payments on Wix: Add Payments, Update Payment Status, Bulk Update Payment Statuses (by originalIndex)."""

from __future__ import annotations

from app.domain import ids
from tests.wix.conftest import WixGateway

ADD = """mutation($id: ID!, $payments: [PaymentInput!]!) { addPayments(orderId: $id, payments: $payments) {
  order { paymentStatus balance { paid due } } payments { id amount method status } userErrors { field code message } } }"""
STATUS = """mutation($id: ID!, $pid: ID!, $s: TransactionStatus!) {
  updatePaymentStatus(orderId: $id, paymentId: $pid, status: $s) {
    order { paymentStatus } payments { id status } userErrors { field code message } } }"""
BULK = """mutation($refs: [OrderPaymentRef!]!, $s: TransactionStatus!) { bulkUpdatePaymentStatuses(payments: $refs, status: $s) {
  results { originalIndex success id order { id paymentStatus } error { field code message } }
  bulkActionMetadata { totalSuccesses totalFailures } userErrors { code } } }"""
PAID = """mutation($id: ID!) { markOrderPaid(id: $id) { order { paymentStatus balance { due } } userErrors { code } } }"""


async def add(gateway: WixGateway, order_id: str, *payments: dict[str, str]) -> dict[str, object]:
    return (await gateway.query(ADD, {"id": order_id, "payments": list(payments)}))["addPayments"]  # type: ignore[no-any-return]


async def test_add_payments_then_approve_one(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    added = await add(
        wix_gateway,
        order["id"],
        {"amount": "100.00", "method": "CreditCard", "status": "PENDING"},
        {"amount": "20.5", "method": "Cash"},
    )
    assert added["userErrors"] == []
    assert added["order"] == {
        "paymentStatus": "PARTIALLY_PAID",
        "balance": {"paid": "20.50", "due": "199.50"},
    }
    payment, cash = added["payments"]
    assert (payment["amount"], payment["method"], payment["status"]) == ("100.00", "CreditCard", "PENDING")
    assert (cash["amount"], cash["method"], cash["status"]) == ("20.50", "Cash", "APPROVED")
    sent = wix_gateway.wix.sent("POST", "/add-payment")["payments"]
    assert [p["amount"]["amount"] for p in sent] == ["100.00", "20.50"]
    approved = await wix_gateway.query(STATUS, {"id": order["id"], "pid": payment["id"], "s": "APPROVED"})
    result = approved["updatePaymentStatus"]
    assert result["userErrors"] == []
    assert result["order"]["paymentStatus"] == "PARTIALLY_PAID"
    assert result["payments"] == [{"id": payment["id"], "status": "APPROVED"}]
    assert wix_gateway.wix.sent("POST", "/update-payment-transaction-status") == {"status": "APPROVED"}
    types = await wix_gateway.event_types(order["id"])
    assert types.count("TRANSACTIONS_UPDATED") == 2


async def test_payment_rules_refuse_before_any_write(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    [payment] = (await add(wix_gateway, order["id"], {"amount": "10.00", "method": "Cash"}))["payments"]
    writes = wix_gateway.wix.count("POST", "/add-payment") + wix_gateway.wix.count("POST", "-status")
    calls = len(wix_gateway.wix.calls)
    too_many = await add(wix_gateway, order["id"], *[{"amount": "1.00", "method": "Cash"}] * 51)
    assert [e["code"] for e in too_many["userErrors"]] == ["LIMIT_EXCEEDED"]
    assert len(wix_gateway.wix.calls) == calls  # refused without reading the order
    negative = await add(wix_gateway, order["id"], {"amount": "-1.00", "method": "Cash"})
    assert negative["userErrors"][0]["field"] == ["payments", "0", "amount"]
    back = await wix_gateway.query(STATUS, {"id": order["id"], "pid": payment["id"], "s": "PENDING"})
    assert back["updatePaymentStatus"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    unknown = await wix_gateway.query(STATUS, {"id": order["id"], "pid": order["id"], "s": "APPROVED"})
    assert unknown["updatePaymentStatus"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert wix_gateway.wix.count("POST", "/add-payment") + wix_gateway.wix.count("POST", "-status") == writes


async def test_mark_order_paid_records_what_is_due(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    await add(wix_gateway, order["id"], {"amount": "20.00", "method": "Cash"})
    paid = (await wix_gateway.query(PAID, {"id": order["id"]}))["markOrderPaid"]
    assert paid == {"order": {"paymentStatus": "PAID", "balance": {"due": "0.00"}}, "userErrors": []}
    sent = wix_gateway.wix.sent("POST", "/add-payment")["payments"]
    assert sent[0]["amount"] == {"amount": "200.00"}
    assert sent[0]["regularPaymentDetails"]["paymentMethod"] == "OFFLINE"


async def test_bulk_statuses_map_results_back_by_original_index(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    first, second = await wix_gateway.create_wix(), await wix_gateway.create_wix()
    pending = {"amount": "10.00", "method": "CreditCard", "status": "PENDING"}
    p1 = (await add(wix_gateway, first["id"], pending, pending))["payments"]
    p2 = (await add(wix_gateway, second["id"], pending))["payments"]
    approved = (await add(wix_gateway, second["id"], {"amount": "5.00", "method": "Cash"}))["payments"][0]
    wix.unknown_payments.add(_native(p2[0]["id"]))
    refs = [
        {"orderId": first["id"], "paymentId": p1[0]["id"]},
        {"orderId": second["id"], "paymentId": p2[0]["id"]},  # Wix answers PAYMENT_NOT_FOUND
        {"orderId": second["id"], "paymentId": approved["id"]},  # the rules refuse APPROVED → AUTHORIZED
        {"orderId": first["id"], "paymentId": p1[1]["id"]},
    ]
    bulk = (await wix_gateway.query(BULK, {"refs": refs, "s": "AUTHORIZED"}))["bulkUpdatePaymentStatuses"]
    results = bulk["results"]
    assert [r["originalIndex"] for r in results] == [0, 1, 2, 3]
    assert [r["success"] for r in results] == [True, False, False, True]
    assert [r["id"] for r in results] == [p1[0]["id"], None, None, p1[1]["id"]]
    assert results[0]["order"]["id"] == first["id"]
    assert (results[1]["error"]["code"], results[1]["error"]["field"]) == ("NOT_FOUND", ["payments", "1"])
    assert "PAYMENT_NOT_FOUND" in results[1]["error"]["message"]
    assert (results[2]["error"]["code"], results[2]["error"]["field"]) == (
        "INVALID_TRANSITION",
        ["payments", "2", "status"],
    )
    assert bulk["bulkActionMetadata"] == {"totalSuccesses": 2, "totalFailures": 2}
    sent = wix.sent("POST", "/bulk/payments/update-payment-transaction-status")
    assert [pair["paymentId"] for pair in sent["paymentAndOrderIds"]] == [
        _native(p1[0]["id"]),
        _native(p2[0]["id"]),
        _native(p1[1]["id"]),
    ]
    statuses = [
        p["regularPaymentDetails"]["status"] for p in wix.transactions[_native(first["id"])]["payments"]
    ]
    assert statuses == ["AUTHORIZED", "AUTHORIZED"]


async def test_more_than_300_bulk_items_are_refused_whole(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    refs = [{"orderId": order["id"], "paymentId": order["id"]}] * 301
    calls = len(wix_gateway.wix.calls)
    bulk = (await wix_gateway.query(BULK, {"refs": refs, "s": "APPROVED"}))["bulkUpdatePaymentStatuses"]
    assert bulk["userErrors"] == [{"code": "LIMIT_EXCEEDED"}]
    assert len(wix_gateway.wix.calls) == calls


def _native(public_id: str) -> str:
    return ids.decode(public_id).native
