"""Order writes on Wix: create (then Add Payments), update, cancel, history; rules before any call."""

from __future__ import annotations

from tests.wix.conftest import WixGateway

UPDATE = """mutation($id: ID!, $input: UpdateOrderInput!, $rev: Int) {
  updateOrder(id: $id, input: $input, expectedRevision: $rev) {
    order { buyer { email firstName } shippingAddress { line1 city countryCode } }
    userErrors { field message code } } }"""
CANCEL = """mutation($id: ID!, $reason: String) { cancelOrder(id: $id, reason: $reason) {
  order { status history { kind } } userErrors { field code message } } }"""
NOTE = """mutation($id: ID!, $m: String!) { addOrderHistory(orderId: $id, input: {message: $m}) {
  order { history { kind message author } } userErrors { field code } } }"""
CREATE = """mutation($input: CreateOrderInput!, $key: String) { createOrder(input: $input, idempotencyKey: $key) {
  order { id status paymentStatus } userErrors { field message code } } }"""


async def test_recording_an_external_order_creates_it_then_adds_its_payments(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    order = await wix_gateway.create_wix(
        externalId="legacy-4711",
        payments=[
            {"amount": "200.00", "method": "CreditCard", "createdAt": "2026-10-01T10:00:00Z"},
            {"amount": "20.00", "method": "Cash", "providerTransactionId": "tx-2"},
        ],
    )
    assert order["source"] == "wix"
    assert order["externalId"] == "legacy-4711"
    assert (order["paymentStatus"], order["balance"]) == ("PAID", {"paid": "220.00", "due": "0.00"})
    assert [(i["quantity"], i["price"], i["taxAmount"], i["totalPrice"]) for i in order["lineItems"]] == [
        (2, "100.00", "20.00", "220.00")
    ]
    created = wix.sent("POST", "/ecom/v1/orders")["order"]
    assert created["channelInfo"] == {"type": "OTHER_PLATFORM", "externalOrderId": "legacy-4711"}
    assert created["status"] == "APPROVED"
    assert created["priceSummary"]["total"] == {"amount": "220.00"}
    assert created["billingInfo"]["contactDetails"]["firstName"] == "Ann"
    payments = wix.sent("POST", "/add-payment")["payments"]
    assert [p["amount"] for p in payments] == [{"amount": "200.00"}, {"amount": "20.00"}]
    assert payments[0]["createdDate"] == "2026-10-01T10:00:00.000Z"
    assert payments[1]["regularPaymentDetails"]["providerTransactionId"] == "tx-2"
    types = await wix_gateway.event_types(order["id"])
    assert types == ["ORDER_CREATED", "ORDER_APPROVED", "TRANSACTIONS_UPDATED"]


async def test_line_and_order_discounts_go_as_merchant_discounts(wix_gateway: WixGateway) -> None:
    line = {"productName": "Lamp", "quantity": 2, "price": "50.00", "discount": "10.00", "taxRate": "0.2"}
    order = await wix_gateway.create_wix(lineItems=[line], discount="5.00")
    sent = wix_gateway.wix.sent("POST", "/ecom/v1/orders")["order"]
    line_id = sent["lineItems"][0]["id"]
    assert sent["appliedDiscounts"] == [
        {
            "discountType": "SPECIFIC_ITEMS",
            "lineItemIds": [line_id],
            "merchantDiscount": {"amount": {"amount": "10.00"}},
        },
        {"discountType": "GLOBAL", "merchantDiscount": {"amount": {"amount": "5.00"}}},
    ]
    assert {k: v["amount"] for k, v in sent["priceSummary"].items()} == {
        "subtotal": "100.00",
        "discount": "15.00",
        "tax": "18.00",
        "shipping": "0.00",
        "total": "103.00",
    }
    assert [(i["price"], i["taxAmount"], i["totalPrice"]) for i in order["lineItems"]] == [
        ("50.00", "18.00", "108.00")
    ]


async def test_invalid_input_is_refused_before_any_call(wix_gateway: WixGateway) -> None:
    calls = len(wix_gateway.wix.calls)
    bad_line = {"productName": "Desk", "quantity": 0, "price": "1.00"}
    for fields, code, field in (
        ({"currency": "XYZ"}, "INVALID", ["input", "currency"]),
        ({"lineItems": [bad_line]}, "INVALID", ["input", "lineItems", "0", "quantity"]),
        ({"buyer": {"email": "ann@example.com"}}, "INVALID", ["input", "buyer", "firstName"]),
        ({"customStatusId": "x"}, "UNSUPPORTED_BY_BACKEND", ["input", "customStatusId"]),
        ({"payments": [{"amount": "1.00", "method": "Cash"}] * 51}, "LIMIT_EXCEEDED", ["input", "payments"]),
    ):
        payload = (await wix_gateway.query(CREATE, {"input": wix_gateway.wix_input(**fields)}))["createOrder"]
        assert payload["order"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)], fields
    assert len(wix_gateway.wix.calls) == calls


async def test_a_failed_add_payments_is_completed_by_repeating_the_idempotency_key(
    wix_gateway: WixGateway,
) -> None:
    wix = wix_gateway.wix
    wix.fail("POST", "/add-payment", status=503)
    fields = {"payments": [{"amount": "220.00", "method": "CreditCard"}]}
    first = await wix_gateway.query(CREATE, {"input": wix_gateway.wix_input(**fields), "key": "k-1"})
    created = first["createOrder"]["order"]
    assert (created["status"], created["paymentStatus"]) == ("APPROVED", "NOT_PAID")  # the order exists
    error = first["createOrder"]["userErrors"][0]
    assert (error["code"], error["field"]) == ("UPSTREAM_ERROR", ["input", "payments"])
    assert "503" in error["message"]
    assert wix.count("POST", "/add-payment") >= 1
    failed_calls = wix.count("POST", "/add-payment")
    orders_before = len(wix.orders)
    again = await wix_gateway.query(CREATE, {"input": wix_gateway.wix_input(**fields), "key": "k-1"})
    assert again["createOrder"]["userErrors"] == []
    assert again["createOrder"]["order"]["paymentStatus"] == "PAID"
    assert again["createOrder"]["order"]["id"] == created["id"]
    assert len(wix.orders) == orders_before  # no second order
    assert wix.count("POST", "/add-payment") == failed_calls + 1  # a write is never retried
    third = await wix_gateway.query(CREATE, {"input": wix_gateway.wix_input(**fields), "key": "k-1"})
    assert third["createOrder"]["order"]["id"] == again["createOrder"]["order"]["id"]
    assert wix.count("POST", "/add-payment") == failed_calls + 1
    other = {"payments": [{"amount": "1.00", "method": "Cash"}]}
    mismatch = await wix_gateway.query(CREATE, {"input": wix_gateway.wix_input(**other), "key": "k-1"})
    assert mismatch["createOrder"]["userErrors"][0]["code"] == "IDEMPOTENCY_MISMATCH"


async def test_update_sends_only_what_wix_allows(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    result = (
        await wix_gateway.query(
            UPDATE,
            {
                "id": order["id"],
                "input": {
                    "buyer": {"email": "new@example.com", "firstName": "Anna"},
                    "shippingAddress": {"line1": "1 Main St", "city": "Austin", "countryCode": "us"},
                },
            },
        )
    )["updateOrder"]
    assert result["userErrors"] == []
    assert result["order"]["buyer"] == {"email": "new@example.com", "firstName": "Anna"}
    assert result["order"]["shippingAddress"] == {"line1": "1 Main St", "city": "Austin", "countryCode": "US"}
    sent = wix_gateway.wix.sent("PATCH", "")["order"]
    assert set(sent) == {"id", "buyerInfo", "billingInfo", "recipientInfo"}
    assert "ORDER_UPDATED" in await wix_gateway.event_types(order["id"])
    calls = len(wix_gateway.wix.calls)
    for patch, rev, field in (
        ({"shippingLine": {"title": "Express", "price": "5.00"}}, None, ["input", "shippingLine"]),
        ({"note": "hi"}, None, ["input", "note"]),
        ({"externalId": "x"}, None, ["input", "externalId"]),
        ({"buyer": None}, None, ["input", "buyer"]),
        ({"buyer": {"email": "a@example.com"}}, 1, ["expectedRevision"]),
    ):
        refused = (await wix_gateway.query(UPDATE, {"id": order["id"], "input": patch, "rev": rev}))[
            "updateOrder"
        ]
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("UNSUPPORTED_BY_BACKEND", field)]
    assert wix_gateway.wix.calls[calls:] == []
    invalid = await wix_gateway.query(UPDATE, {"id": order["id"], "input": {"buyer": {"email": "nope"}}})
    assert invalid["updateOrder"]["userErrors"][0]["field"] == ["input", "buyer", "email"]


async def test_cancel_then_history_and_a_second_cancel_refused_by_the_rules(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    canceled = (await wix_gateway.query(CANCEL, {"id": order["id"], "reason": "customer asked"}))[
        "cancelOrder"
    ]
    assert canceled["userErrors"] == []
    assert canceled["order"]["status"] == "CANCELED"
    assert canceled["order"]["history"][-1]["kind"] == "ORDER_CANCELED"
    assert wix_gateway.wix.sent("POST", "/cancel") == {
        "sendOrderCanceledEmail": False,
        "restockAllItems": False,
        "customMessage": "customer asked",
    }
    cancels = wix_gateway.wix.count("POST", "/cancel")
    again = (await wix_gateway.query(CANCEL, {"id": order["id"]}))["cancelOrder"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert wix_gateway.wix.count("POST", "/cancel") == cancels
    noted = (await wix_gateway.query(NOTE, {"id": order["id"], "m": "Called the customer"}))[
        "addOrderHistory"
    ]
    assert noted["userErrors"] == []
    assert noted["order"]["history"][-1] == {
        "kind": "NOTE",
        "message": "Called the customer",
        "author": "merchant@example.com",
    }
    assert await wix_gateway.event_types(order["id"]) == [
        "ORDER_CREATED",
        "ORDER_APPROVED",
        "ORDER_CANCELED",
        "ORDER_UPDATED",
    ]
    calls = len(wix_gateway.wix.calls)
    blank = (await wix_gateway.query(NOTE, {"id": order["id"], "m": "  "}))["addOrderHistory"]
    assert blank["userErrors"] == [{"field": ["input", "message"], "code": "INVALID"}]
    assert len(wix_gateway.wix.calls) == calls  # refused without reading the order


async def test_operations_wix_cannot_do_are_unsupported(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    line = order["lineItems"][0]["id"]
    calls = len(wix_gateway.wix.calls)
    oid = order["id"]
    for mutation in (
        f'approveOrder(id: "{oid}") {{ userErrors {{ code }} }}',
        f'completeOrder(id: "{oid}") {{ userErrors {{ code }} }}',
        f'setOrderStatus(id: "{oid}", statusId: null) {{ userErrors {{ code }} }}',
        f'removeLineItem(orderId: "{oid}", lineItemId: "{line}") {{ userErrors {{ code }} }}',
        f'addLineItem(orderId: "{oid}", input: {{productName: "X", quantity: 1, price: "1"}}) '
        "{ userErrors { code } }",
        f'refundPayment(orderId: "{oid}", paymentId: "{oid}", amount: "1") {{ userErrors {{ code }} }}',
    ):
        data = await wix_gateway.query(f"mutation {{ {mutation} }}")
        assert next(iter(data.values()))["userErrors"] == [{"code": "UNSUPPORTED_BY_BACKEND"}], mutation
    assert wix_gateway.wix.calls[calls:] == []
    status = await wix_gateway.query(
        'mutation { defineOrderStatus(input: {name: "Packed", source: "wix"}) { userErrors { code } } }'
    )
    assert status["defineOrderStatus"]["userErrors"] == [{"code": "UNSUPPORTED_BY_BACKEND"}]
