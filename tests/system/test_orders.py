"""Orders on the Retailys backend through the GraphQL API: every /System/Orders endpoint, against the emulator."""

from __future__ import annotations

import asyncio
from typing import Any

from app.domain import ids
from tests.conftest import CREATE, ORDER_FIELDS, PAYLOAD, Gateway, order_input
from tests.system.conftest import GatewayFactory
from tests.system.emulator import Emulator

FULFILLMENT = "fulfillment { id status lineItems { lineItemId quantity } trackingInfo { trackingNumber shippingProvider trackingLink } }"


def payload(name: str, args: str, params: str, extra: str = "") -> str:
    return f"mutation({params}) {{ {name}({args}) {{ {PAYLOAD} {extra} }} }}"


async def create(gateway: Gateway, **fields: Any) -> dict[str, Any]:
    fields.setdefault("source", "system")
    fields.setdefault("currency", "CZK")
    fields.setdefault(
        "lineItems",
        [
            {
                "productName": "Mug",
                "quantity": 2,
                "price": "100.50",
                "taxRate": "0.21",
                "catalogItemId": "55",
            },
            {"productName": "Tea", "quantity": 1, "price": "49.99", "taxRate": "0.15"},
        ],
    )
    return await gateway.create(**fields)


async def mutate(gateway: Gateway, name: str, extra: str = "", **variables: Any) -> dict[str, Any]:
    types = {"id": "ID!", "orderId": "ID!", "statusId": "ID", "lineItemId": "ID!", "reason": "String"}
    inputs = {
        "addLineItem": "LineItemInput!",
        "updateLineItem": "UpdateLineItemInput!",
        "addOrderHistory": "HistoryInput!",
        "addOrderTracking": "TrackingInput!",
        "updateOrder": "UpdateOrderInput!",
    }
    params = ", ".join(f"${k}: {inputs[name] if k == 'input' else types[k]}" for k in variables)
    args = ", ".join(f"{k}: ${k}" for k in variables)
    data = await gateway.query(payload(name, args, params, extra), variables)
    return data[name]  # type: ignore[no-any-return]


async def test_create_posts_the_header_then_each_item_and_reads_decimals(
    gateway: Gateway, emulator: Emulator
) -> None:
    order = await create(
        gateway,
        shippingAddress={"firstName": "Jan", "lastName": "Novak", "city": "Brno", "countryCode": "CZ"},
    )
    native = int(order["number"])
    raw = emulator.orders[native]
    assert raw["order_currency_code"] == "CZK" and raw["delivery_city"] == "Brno"
    assert [(i["name"], i["count"], i["price"]["base_price"], i["price"]["vat"]) for i in raw["items"]] == [
        ("Mug", 2, 100.5, 21.0),
        ("Tea", 1, 49.99, 15.0),
    ]
    assert len(emulator.calls("POST", rf"/System/Orders/{native}/item")) == 2
    assert order["source"] == "system" and order["status"] == "APPROVED" and order["currency"] == "CZK"
    assert [
        (li["productName"], li["price"], li["taxRate"], li["taxAmount"], li["totalPrice"])
        for li in order["lineItems"]
    ] == [
        ("Mug", "100.50", "0.21", "42.21", "243.21"),
        ("Tea", "49.99", "0.15", "7.50", "57.49"),
    ]
    assert order["lineItems"][0]["catalogItemId"] == "55"
    assert order["priceSummary"] == {
        "subtotal": "250.99",
        "discount": "0.00",
        "shipping": "0.00",
        "tax": "49.71",
        "total": "300.70",
    }
    assert order["balance"] == {"paid": "0.00", "refunded": "0.00", "due": "300.70"}
    assert order["paymentStatus"] == "NOT_PAID" and order["deliveryStatus"] == "NOT_SHIPPED"
    assert order["shippingLine"] == {"title": "PPL", "price": "0.00"}
    assert order["shippingAddress"]["city"] == "Brno" and order["shippingAddress"]["lastName"] == "Novak"
    fetched = await gateway.field(
        f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", id=order["id"]
    )
    assert fetched == order


def item(item_id: int, base_price: float, vat: float, count: int = 1) -> dict[str, Any]:
    return {"id": item_id, "name": "Thing", "count": count, "price": {"base_price": base_price, "vat": vat}}


async def test_floats_become_decimals_in_the_currency_minor_unit(
    gateway: Gateway, emulator: Emulator
) -> None:
    yen = emulator.add_order(order_currency_code="JPY", items=[item(1, 99.5, 10)], paid=50.4)
    cents = emulator.add_order(order_currency_code="EUR", items=[item(2, 0.1 + 0.2, 0, 3)], paid=0.1 + 0.2)
    query = """query($n: String!) { orderByNumber(number: $n, source: "system") {
      priceSummary { subtotal total } balance { paid due } paymentStatus lineItems { price totalPrice } } }"""
    jpy = await gateway.field(query, n=str(yen["id"]))
    assert jpy["priceSummary"] == {"subtotal": "100", "total": "109"}
    assert jpy["balance"] == {"paid": "50", "due": "59"} and jpy["paymentStatus"] == "PARTIALLY_PAID"
    eur = await gateway.field(query, n=str(cents["id"]))
    assert eur["lineItems"] == [{"price": "0.30", "totalPrice": "0.90"}]
    assert eur["balance"] == {"paid": "0.30", "due": "0.60"}


async def test_create_refuses_what_retailys_cannot_hold_before_calling_it(
    gateway: Gateway, emulator: Emulator
) -> None:
    before = len(emulator.requests)
    data = await gateway.query(
        "mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } userErrors { field code message } } }",
        {"input": order_input(source="system", currency="CZK", note="call first")},
    )
    errors = data["createOrder"]["userErrors"]
    assert errors[0]["code"] == "UNSUPPORTED_BY_BACKEND" and errors[0]["field"] == ["input", "note"]
    bad = order_input(source="system", lineItems=[{"productName": "X", "quantity": 0, "price": "1"}])
    data = await gateway.query(
        "mutation($input: CreateOrderInput!) { createOrder(input: $input) { userErrors { field code } } }",
        {"input": bad},
    )
    assert data["createOrder"]["userErrors"][0]["code"] == "INVALID"
    assert len(emulator.requests) == before


async def test_idempotency_keys_hold_across_gateways_and_restarts(
    gateway: Gateway, make_gateway: GatewayFactory, emulator: Emulator
) -> None:
    buyer = {"email": "same@example.com"}
    first = await create(gateway, key="k-1", buyer=buyer)
    posted = len(emulator.calls("POST", "/System/Orders"))
    again = await create(gateway, key="k-1", buyer=buyer)
    other_process = await make_gateway()
    elsewhere = await create(other_process, key="k-1", buyer=buyer)
    assert again["id"] == elsewhere["id"] == first["id"]
    assert len(emulator.calls("POST", "/System/Orders")) == posted
    changed = await gateway.query(
        CREATE, {"input": order_input(source="system", currency="CZK"), "key": "k-1"}
    )
    assert changed["createOrder"]["userErrors"][0]["code"] == "IDEMPOTENCY_MISMATCH"


async def test_concurrent_creates_with_one_key_make_one_order(gateway: Gateway, emulator: Emulator) -> None:
    posted = len(emulator.calls("POST", "/System/Orders"))
    variables = {
        "input": order_input(source="system", currency="CZK", buyer={"email": "c@example.com"}),
        "key": "k-2",
    }
    results = await asyncio.gather(*(gateway.query(CREATE, variables) for _ in range(5)))
    assert len(emulator.calls("POST", "/System/Orders")) == posted + 1
    made = {r["createOrder"]["order"]["id"] for r in results if r["createOrder"]["order"]}
    assert len(made) == 1
    codes = {e["code"] for r in results for e in r["createOrder"]["userErrors"]}
    assert codes <= {"UPSTREAM_ERROR"}  # "still running; retry"


async def test_a_failed_create_frees_its_key(gateway: Gateway, emulator: Emulator) -> None:
    variables = {
        "input": order_input(source="system", currency="CZK", buyer={"email": "f@example.com"}),
        "key": "k-3",
    }
    emulator.fail("POST", "/System/Orders", 500, message="Down")
    failed = await gateway.query(CREATE, variables)
    assert failed["createOrder"]["userErrors"][0]["code"] == "UPSTREAM_ERROR"
    retried = await gateway.query(CREATE, variables)
    assert (
        retried["createOrder"]["userErrors"] == [] and retried["createOrder"]["order"]["source"] == "system"
    )


async def test_create_sets_a_custom_status_checked_before_anything_is_posted(
    gateway: Gateway, emulator: Emulator
) -> None:
    statuses = await gateway.field('{ orderStatuses(source: "system") { id name } }')
    packed = next(s["id"] for s in statuses if s["name"] == "Packed")
    made = await create(gateway, customStatusId=packed)
    assert made["customStatus"]["name"] == "Packed" and emulator.orders[int(made["number"])]["status_id"] == 2
    posted = len(emulator.calls("POST", "/System/Orders"))
    unknown = ids.encode("system", "OrderStatus", "99")
    refused = await gateway.query(
        CREATE, {"input": order_input(source="system", currency="CZK", customStatusId=unknown)}
    )
    assert refused["createOrder"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert len(emulator.calls("POST", "/System/Orders")) == posted


async def test_a_failed_item_cancels_the_half_made_order(gateway: Gateway, emulator: Emulator) -> None:
    emulator.fail("POST", r"/System/Orders/\d+/item", 400, message="Bad item")
    before = set(emulator.orders)
    failed = await gateway.query(CREATE, {"input": order_input(source="system", currency="CZK")})
    assert failed["createOrder"]["userErrors"][0]["code"] == "UPSTREAM_ERROR"
    (half_made,) = set(emulator.orders) - before
    assert emulator.orders[half_made]["canceled"] is True


async def test_line_items_are_added_edited_and_deleted(gateway: Gateway, emulator: Emulator) -> None:
    order = await create(gateway)
    added = await mutate(
        gateway,
        "addLineItem",
        orderId=order["id"],
        input={"productName": "Spoon", "quantity": 3, "price": "10", "taxRate": "0.1"},
    )
    assert added["userErrors"] == []
    lines = added["order"]["lineItems"]
    assert [li["productName"] for li in lines] == ["Mug", "Tea", "Spoon"]
    assert added["order"]["priceSummary"]["total"] == "333.70"
    edited = await mutate(
        gateway, "updateLineItem", orderId=order["id"], lineItemId=lines[2]["id"], input={"quantity": 5}
    )
    assert edited["userErrors"] == [] and edited["order"]["lineItems"][2]["quantity"] == 5
    native = int(order["number"])
    put = emulator.calls("PUT", rf"/System/Orders/{native}/item")
    assert len(put) == 1 and emulator.orders[native]["items"][2]["count"] == 5
    removed = await mutate(gateway, "removeLineItem", orderId=order["id"], lineItemId=lines[0]["id"])
    assert removed["userErrors"] == []
    assert [li["productName"] for li in removed["order"]["lineItems"]] == ["Tea", "Spoon"]
    missing = await mutate(gateway, "removeLineItem", orderId=order["id"], lineItemId=lines[0]["id"])
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"
    discounted = await mutate(
        gateway,
        "addLineItem",
        orderId=order["id"],
        input={"productName": "X", "quantity": 1, "price": "5", "discount": "1"},
    )
    assert discounted["userErrors"][0]["code"] == "UNSUPPORTED_BY_BACKEND"


async def test_statuses_are_listed_by_sort_and_set(gateway: Gateway, emulator: Emulator) -> None:
    statuses = await gateway.field('{ orderStatuses(source: "system") { id name color } }')
    assert [(s["name"], s["color"]) for s in statuses] == [
        ("Packed", None),
        ("New", "#1e90ff"),
        ("Finished", "#0a0"),
        ("Storno", "#a00"),
    ]
    by_name = {s["name"]: s["id"] for s in statuses}
    defined = await gateway.field(
        'mutation { defineOrderStatus(input: {name: "Local one"}) { status { id } userErrors { code } } }'
    )
    assert defined["userErrors"] == []
    upstream = await gateway.field(
        'mutation { defineOrderStatus(input: {name: "X", source: "system"}) { userErrors { code } } }'
    )
    assert upstream["userErrors"] == [{"code": "UNSUPPORTED_BY_BACKEND"}]
    merged = await gateway.field("{ orderStatuses { name source } }")
    assert merged[0] == {"name": "Local one", "source": "local"}
    assert [(s["name"], s["source"]) for s in merged[1:]] == [(s["name"], "system") for s in statuses]
    order = await create(gateway)
    packed = await mutate(gateway, "setOrderStatus", id=order["id"], statusId=by_name["Packed"])
    assert packed["order"]["customStatus"] == {"id": by_name["Packed"], "name": "Packed", "color": None}
    assert packed["order"]["status"] == "APPROVED"
    finished = await mutate(gateway, "setOrderStatus", id=order["id"], statusId=by_name["Finished"])
    assert finished["order"]["status"] == "COMPLETED"
    storno = await mutate(gateway, "setOrderStatus", id=order["id"], statusId=by_name["Storno"])
    assert storno["userErrors"][0]["code"] == "INVALID_TRANSITION"
    other = await create(gateway)
    canceled = await mutate(gateway, "setOrderStatus", id=other["id"], statusId=by_name["Storno"])
    assert canceled["order"]["status"] == "CANCELED"
    cleared = await mutate(gateway, "setOrderStatus", id=other["id"], statusId=None)
    assert cleared["userErrors"][0]["code"] == "UNSUPPORTED_BY_BACKEND"


async def test_state_endpoints_drive_the_statuses(gateway: Gateway, emulator: Emulator) -> None:
    order = await create(gateway)
    paid = await mutate(gateway, "markOrderPaid", id=order["id"])
    assert paid["order"]["paymentStatus"] == "PAID" and paid["order"]["balance"]["due"] == "0.00"
    native = int(order["number"])
    body = emulator.requests[-2]
    assert (body.method, body.path) == ("PATCH", f"/System/Orders/{native}/paid")
    assert emulator.orders[native]["paid"] == 300.7
    again = await mutate(gateway, "markOrderPaid", id=order["id"])
    assert again["userErrors"][0]["code"] == "INVALID"
    sent = await mutate(gateway, "markOrderSent", id=order["id"])
    assert sent["order"]["deliveryStatus"] == "SHIPPED" and sent["order"]["fulfillmentStatus"] == "FULFILLED"
    delivered = await mutate(gateway, "markOrderDelivered", id=order["id"])
    assert delivered["order"]["deliveryStatus"] == "DELIVERED"
    done = await mutate(gateway, "completeOrder", id=order["id"])
    assert done["order"]["status"] == "COMPLETED"
    cancel = await mutate(gateway, "cancelOrder", id=order["id"])
    assert cancel["userErrors"][0]["code"] == "INVALID_TRANSITION"
    other = await create(gateway)
    canceled = await mutate(gateway, "cancelOrder", id=other["id"], reason="customer asked")
    assert canceled["order"]["status"] == "CANCELED"
    assert emulator.history[-1] == (
        int(other["number"]),
        {"type": "status", "record": {"name": "customer asked", "status": "canceled"}},
    )
    refused = await mutate(gateway, "markOrderSent", id=other["id"])
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"


async def test_delivered_sends_first_when_not_sent(gateway: Gateway, emulator: Emulator) -> None:
    order = await create(gateway)
    delivered = await mutate(gateway, "markOrderDelivered", id=order["id"])
    assert delivered["order"]["deliveryStatus"] == "DELIVERED"
    native = int(order["number"])
    assert [
        s.path.rsplit("/", 1)[1] for s in emulator.requests if s.method == "PATCH" and f"/{native}/" in s.path
    ] == ["sent", "delivered"]


async def test_tracking_uses_the_shipper_map(gateway: Gateway, emulator: Emulator) -> None:
    order = await create(gateway)
    added = await mutate(
        gateway,
        "addOrderTracking",
        FULFILLMENT,
        orderId=order["id"],
        input={"trackingNumber": "Z123", "shippingProvider": "fedex"},
    )
    assert added["userErrors"] == []
    assert added["fulfillment"]["trackingInfo"] == {
        "trackingNumber": "Z123",
        "shippingProvider": "FedEx",
        "trackingLink": "https://track.example/1/Z123",
    }
    assert [line["quantity"] for line in added["fulfillment"]["lineItems"]] == [2, 1]
    assert emulator.orders[int(order["number"])]["trackings"][0]["shipper_id"] == 1
    unknown = await mutate(
        gateway,
        "addOrderTracking",
        FULFILLMENT,
        orderId=order["id"],
        input={"trackingNumber": "1", "shippingProvider": "dhl"},
    )
    assert (
        unknown["userErrors"][0]["code"] == "INVALID"
        and "GATEWAY_SYSTEM_SHIPPERS" in unknown["userErrors"][0]["message"]
    )
    found = await gateway.field(
        'query { orders(filter: {source: "system", trackingNumber: "Z123"}) { nodes { id } } }'
    )
    assert found["nodes"] == [{"id": order["id"]}]


async def test_history_goes_to_the_mapped_type(gateway: Gateway, emulator: Emulator) -> None:
    order = await create(gateway)
    added = await mutate(
        gateway, "addOrderHistory", orderId=order["id"], input={"message": "Called the buyer"}
    )
    assert added["userErrors"] == []
    assert emulator.history[-1] == (
        int(order["number"]),
        {"type": "order", "record": {"name": "Called the buyer", "status": "note"}},
    )
    blank = await mutate(gateway, "addOrderHistory", orderId=order["id"], input={"message": " "})
    assert blank["userErrors"][0]["code"] == "INVALID"


async def test_shipping_address_is_put_and_other_details_are_unsupported(
    gateway: Gateway, emulator: Emulator
) -> None:
    order = await create(gateway)
    updated = await mutate(
        gateway,
        "updateOrder",
        id=order["id"],
        input={"shippingAddress": {"firstName": "Eva", "city": "Praha"}},
    )
    assert updated["userErrors"] == [] and updated["order"]["shippingAddress"]["city"] == "Praha"
    assert emulator.orders[int(order["number"])]["delivery_name"] == "Eva"
    refused = await mutate(gateway, "updateOrder", id=order["id"], input={"note": "x"})
    assert refused["userErrors"][0]["code"] == "UNSUPPORTED_BY_BACKEND"
