"""Order mutations over HTTP: lifecycle, details, statuses, line items, history, and refused input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.backends.local.tables import EventRow
from app.server import GATEWAY
from tests.conftest import PAYLOAD, Gateway, order_input

events_t = EventRow.__table__  # type: ignore[attr-defined]


def mutation(name: str, args: str, params: str) -> str:
    return f"mutation({params}) {{ {name}({args}) {{ {PAYLOAD} }} }}"


APPROVE = mutation("approveOrder", "id: $id", "$id: ID!")
CANCEL = mutation("cancelOrder", "id: $id, reason: $reason", "$id: ID!, $reason: String")
COMPLETE = mutation("completeOrder", "id: $id", "$id: ID!")
UPDATE = mutation(
    "updateOrder",
    "id: $id, input: $input, expectedRevision: $rev",
    "$id: ID!, $input: UpdateOrderInput!, $rev: Int",
)
SET_STATUS = mutation("setOrderStatus", "id: $id, statusId: $status", "$id: ID!, $status: ID")
ADD_LINE = mutation("addLineItem", "orderId: $id, input: $input", "$id: ID!, $input: LineItemInput!")
UPDATE_LINE = mutation(
    "updateLineItem",
    "orderId: $id, lineItemId: $line, input: $input",
    "$id: ID!, $line: ID!, $input: UpdateLineItemInput!",
)
REMOVE_LINE = mutation("removeLineItem", "orderId: $id, lineItemId: $line", "$id: ID!, $line: ID!")
HISTORY = mutation(
    "addOrderHistory", "orderId: $id, input: {message: $message}", "$id: ID!, $message: String!"
)
DEFINE = """mutation($name: String!, $color: String) {
  defineOrderStatus(input: {name: $name, color: $color}) { status { id name color } userErrors { field code } }
}"""
READ = "query($id: ID!) { order(id: $id) { revision status updatedAt history { kind } lineItems { id } } }"


async def run(gateway: Gateway, query: str, **variables: Any) -> dict[str, Any]:
    data = await gateway.query(query, variables)
    return next(iter(data.values()))  # type: ignore[no-any-return]


async def events_of(gateway: Gateway, order_id: str) -> list[str]:
    async with gateway.app[GATEWAY].database.read() as conn:
        stmt = select(events_t.c.type).where(events_t.c.order_id == order_id).order_by(events_t.c.seq)
        return list((await conn.execute(stmt)).scalars())


async def test_create_computes_totals_and_records_history_and_events(gateway: Gateway) -> None:
    order = await gateway.create(
        lineItems=[
            {"productName": "Mug", "quantity": 3, "price": "9.99", "discount": "1.00", "taxRate": "0.21"},
            {"productName": "Tea", "quantity": 1, "price": "4.50", "taxRate": "0.1"},
        ],
        shippingLine={"title": "DHL", "price": "4.90"},
        discount="2.00",
        shippingAddress={"countryCode": "de", "city": "Berlin"},
    )
    # line 1: 29.97 - 1.00 = 28.97, tax 6.0837 → 6.08; line 2: 4.50, tax 0.45
    assert [li["taxAmount"] for li in order["lineItems"]] == ["6.08", "0.45"]
    assert [li["totalPrice"] for li in order["lineItems"]] == ["35.05", "4.95"]
    assert order["priceSummary"] == {
        "subtotal": "34.47",
        "discount": "3.00",
        "shipping": "4.90",
        "tax": "6.53",
        "total": "42.90",
    }
    assert order["balance"] == {"paid": "0.00", "refunded": "0.00", "due": "42.90"}
    assert order["shippingAddress"]["countryCode"] == "DE"
    assert (order["status"], order["paymentStatus"], order["revision"]) == ("APPROVED", "NOT_PAID", 1)
    assert [h["kind"] for h in order["history"]] == ["ORDER_CREATED", "ORDER_APPROVED"]
    assert order["createdAt"].endswith("Z") and len(order["createdAt"]) == 24
    assert await events_of(gateway, order["id"]) == ["ORDER_CREATED", "ORDER_APPROVED"]


async def test_yen_amounts_have_no_decimals(gateway: Gateway) -> None:
    order = await gateway.create(
        currency="JPY", lineItems=[{"productName": "Tea", "quantity": 1, "price": "1990"}]
    )
    assert order["priceSummary"]["total"] == "1990"
    errors = (
        await gateway.query(
            "mutation($i: CreateOrderInput!) { createOrder(input: $i) { userErrors { field code } } }",
            {
                "i": order_input(
                    currency="JPY", lineItems=[{"productName": "Tea", "quantity": 1, "price": "19.90"}]
                )
            },
        )
    )["createOrder"]["userErrors"]
    assert errors == [{"field": ["input", "lineItems", "0", "price"], "code": "INVALID"}]


async def test_numbers_are_sequential(gateway: Gateway) -> None:
    first = await gateway.create()
    second = await gateway.create()
    assert int(second["number"]) == int(first["number"]) + 1


async def test_idempotency_key_returns_the_first_result_or_refuses_another_input(gateway: Gateway) -> None:
    same = order_input(note="first")
    first = (
        await gateway.query(
            "mutation($i: CreateOrderInput!, $k: String) { createOrder(input: $i, idempotencyKey: $k) "
            "{ order { id number } userErrors { code } } }",
            {"i": same, "k": "key-1"},
        )
    )["createOrder"]
    # the same input, with decimals written differently and defaults spelled out, is the same request
    again_input = {**same, "lineItems": [{**same["lineItems"][0], "price": "9.950", "discount": "0"}]}
    again = (
        await gateway.query(
            "mutation($i: CreateOrderInput!, $k: String) { createOrder(input: $i, idempotencyKey: $k) "
            "{ order { id number } userErrors { code } } }",
            {"i": again_input, "k": "key-1"},
        )
    )["createOrder"]
    assert again["order"] == first["order"]
    other = await gateway.query(
        "mutation($i: CreateOrderInput!, $k: String) { createOrder(input: $i, idempotencyKey: $k) "
        "{ order { id } userErrors { field code } } }",
        {"i": {**same, "note": "changed"}, "k": "key-1"},
    )
    assert other["createOrder"] == {
        "order": None,
        "userErrors": [{"field": ["idempotencyKey"], "code": "IDEMPOTENCY_MISMATCH"}],
    }


async def test_recorded_external_order_keeps_its_external_id(gateway: Gateway) -> None:
    order = await gateway.create(externalId="shopify-991", status="INITIALIZED")
    assert (order["externalId"], order["status"]) == ("shopify-991", "INITIALIZED")
    assert "shopify-991" in order["history"][0]["message"]
    assert await events_of(gateway, order["id"]) == ["ORDER_CREATED"]


async def test_lifecycle_moves_and_refusals(gateway: Gateway) -> None:
    order = await gateway.create(status="INITIALIZED")
    approved = await run(gateway, APPROVE, id=order["id"])
    assert (approved["order"]["status"], approved["order"]["revision"]) == ("APPROVED", 2)
    again = await run(gateway, APPROVE, id=order["id"])
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION" and again["order"] is None
    done = await run(gateway, COMPLETE, id=order["id"])
    assert done["order"]["status"] == "COMPLETED"
    refused = await run(gateway, CANCEL, id=order["id"], reason="too late")
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert [h["kind"] for h in done["order"]["history"]][-2:] == ["ORDER_APPROVED", "ORDER_COMPLETED"]
    assert await events_of(gateway, order["id"]) == ["ORDER_CREATED", "ORDER_APPROVED", "ORDER_COMPLETED"]


async def test_cancel_keeps_the_reason_and_freezes_the_order(gateway: Gateway) -> None:
    order = await gateway.create()
    canceled = (await run(gateway, CANCEL, id=order["id"], reason="buyer changed their mind"))["order"]
    assert canceled["status"] == "CANCELED"
    assert canceled["history"][-1]["kind"] == "ORDER_CANCELED"
    assert "buyer changed their mind" in canceled["history"][-1]["message"]
    refused = await run(gateway, UPDATE, id=order["id"], input={"note": "x"})
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"
    noted = await run(gateway, HISTORY, id=order["id"], message="refund by bank transfer")
    assert noted["order"]["history"][-1] == {
        **noted["order"]["history"][-1],
        "kind": "NOTE",
        "message": "refund by bank transfer",
    }


async def test_update_order_patches_and_checks_the_revision(gateway: Gateway) -> None:
    order = await gateway.create(note="keep me", billingAddress={"city": "Paris", "countryCode": "FR"})
    updated = await run(
        gateway,
        UPDATE,
        id=order["id"],
        rev=1,
        input={"billingAddress": None, "buyer": {"email": "new@example.com"}},
    )
    assert updated["userErrors"] == []
    result = updated["order"]
    assert (result["note"], result["billingAddress"], result["buyer"]["email"]) == (
        "keep me",
        None,
        "new@example.com",
    )
    assert result["revision"] == 2 and result["updatedAt"] >= order["updatedAt"]
    stale = await run(gateway, UPDATE, id=order["id"], rev=1, input={"note": "late"})
    assert stale["userErrors"] == [
        {
            "field": ["expectedRevision"],
            "message": stale["userErrors"][0]["message"],
            "code": "REVISION_MISMATCH",
        }
    ]
    nothing = await run(gateway, UPDATE, id=order["id"], input={"note": "keep me"})
    assert nothing["order"]["revision"] == 2  # no change, no new revision
    assert await events_of(gateway, order["id"]) == ["ORDER_CREATED", "ORDER_APPROVED", "ORDER_UPDATED"]


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("buyer", {"email": "not-an-email"}, ["input", "buyer", "email"]),
        ("shippingAddress", {"countryCode": "XX"}, ["input", "shippingAddress", "countryCode"]),
        ("discount", "1000.00", ["input", "discount"]),
        ("discount", "-1", ["input", "discount"]),
        ("note", "n" * 5001, ["input", "note"]),
        ("shippingLine", {"title": " ", "price": "1.00"}, ["input", "shippingLine", "title"]),
        ("shippingLine", {"title": "UPS", "price": "1.001"}, ["input", "shippingLine", "price"]),
    ],
)
async def test_bad_updates_change_nothing(gateway: Gateway, field: str, value: Any, path: list[str]) -> None:
    order = await gateway.create()
    result = await run(gateway, UPDATE, id=order["id"], input={field: value})
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(path, "INVALID")]
    after = await run(gateway, READ, id=order["id"])
    assert (after["revision"], after["updatedAt"]) == (1, order["updatedAt"])
    assert len(after["history"]) == 2


async def test_custom_statuses(gateway: Gateway) -> None:
    packed = (await run(gateway, DEFINE, name="Packed", color="#1e90ff"))["status"]
    await run(gateway, DEFINE, name="Waiting for stock")
    duplicate = await run(gateway, DEFINE, name="packed")
    assert duplicate["userErrors"][0] == {"field": ["input", "name"], "code": "INVALID"}
    bad = await run(gateway, DEFINE, name="Red", color="red")
    assert bad["userErrors"][0] == {"field": ["input", "color"], "code": "INVALID"}
    listed = (await gateway.query("{ orderStatuses { name color } }"))["orderStatuses"]
    assert listed[:2] == [
        {"name": "Packed", "color": "#1e90ff"},
        {"name": "Waiting for stock", "color": None},
    ]

    order = await gateway.create(customStatusId=packed["id"])
    assert order["customStatus"] == packed
    cleared = (await run(gateway, SET_STATUS, id=order["id"], status=None))["order"]
    assert cleared["customStatus"] is None and cleared["history"][-1]["kind"] == "STATUS_CHANGED"
    unknown = await run(gateway, SET_STATUS, id=order["id"], status="bm9wZQ")
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"


async def test_line_item_changes(gateway: Gateway) -> None:
    order = await gateway.create()
    added = (
        await run(
            gateway, ADD_LINE, id=order["id"], input={"productName": "Spoon", "quantity": 4, "price": "1.25"}
        )
    )["order"]
    assert [li["productName"] for li in added["lineItems"]] == ["Blue Mug", "Spoon"]
    assert added["priceSummary"]["subtotal"] == "24.90"
    spoon = added["lineItems"][1]["id"]
    changed = await run(
        gateway, UPDATE_LINE, id=order["id"], line=spoon, input={"quantity": 2, "sku": "SP-1"}
    )
    assert changed["userErrors"] == []
    line = changed["order"]["lineItems"][1]
    assert (line["quantity"], line["sku"], line["totalPrice"]) == (2, "SP-1", "2.50")
    too_much = await run(gateway, UPDATE_LINE, id=order["id"], line=spoon, input={"discount": "2.51"})
    assert too_much["userErrors"][0]["field"] == ["input", "discount"]
    removed = (await run(gateway, REMOVE_LINE, id=order["id"], line=spoon))["order"]
    assert len(removed["lineItems"]) == 1 and removed["revision"] == 4
    last = await run(gateway, REMOVE_LINE, id=order["id"], line=removed["lineItems"][0]["id"])
    assert last["userErrors"][0]["code"] == "INVALID"
    missing = await run(gateway, REMOVE_LINE, id=order["id"], line="bm9wZQ")
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"
    assert [h["kind"] for h in removed["history"]][-3:] == ["LINE_ITEMS_CHANGED"] * 3
    await run(gateway, COMPLETE, id=order["id"])
    frozen = await run(
        gateway, ADD_LINE, id=order["id"], input={"productName": "X", "quantity": 1, "price": "1"}
    )
    assert frozen["userErrors"][0]["code"] == "INVALID_TRANSITION"


@pytest.mark.parametrize(
    ("fields", "path", "code"),
    [
        ({"currency": "EURO"}, ["input", "currency"], "INVALID"),
        ({"status": "COMPLETED"}, ["input", "status"], "INVALID"),
        ({"lineItems": []}, ["input", "lineItems"], "INVALID"),
        (
            {"lineItems": [{"productName": "A", "quantity": 0, "price": "1"}]},
            ["input", "lineItems", "0", "quantity"],
            "INVALID",
        ),
        (
            {"lineItems": [{"productName": "A", "quantity": 1, "price": "-1"}]},
            ["input", "lineItems", "0", "price"],
            "INVALID",
        ),
        (
            {"lineItems": [{"productName": "A", "quantity": 1, "price": "1", "taxRate": "1.5"}]},
            ["input", "lineItems", "0", "taxRate"],
            "INVALID",
        ),
        (
            {"lineItems": [{"productName": "A" * 201, "quantity": 1, "price": "1"}]},
            ["input", "lineItems", "0", "productName"],
            "INVALID",
        ),
        (
            {"lineItems": [{"productName": "A", "quantity": 1, "price": "1"}] * 301},
            ["input", "lineItems"],
            "LIMIT_EXCEEDED",
        ),
        ({"customStatusId": "bm9wZQ"}, ["input", "customStatusId"], "NOT_FOUND"),
        ({"source": "nowhere"}, ["input", "source"], "INVALID"),
    ],
)
async def test_bad_creates_write_nothing(
    gateway: Gateway, fields: dict[str, Any], path: list[str], code: str
) -> None:
    before = (await gateway.query("{ orders { totalCount } }"))["orders"]["totalCount"]
    result = (
        await gateway.query(
            "mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { id } userErrors { field code } } }",
            {"i": order_input(**fields)},
        )
    )["createOrder"]
    assert result == {"order": None, "userErrors": [{"field": path, "code": code}]}
    assert (await gateway.query("{ orders { totalCount } }"))["orders"]["totalCount"] == before


async def test_unknown_order_ids_are_not_found(gateway: Gateway) -> None:
    for bad in ("nope", "bG9jYWw6T3JkZXI6bWlzc2luZw", ""):
        result = await run(gateway, APPROVE, id=bad)
        assert result["userErrors"][0]["code"] == "NOT_FOUND"


async def test_author_is_the_client_name(gateway: Gateway) -> None:
    order = await gateway.create()
    data = await gateway.query(
        HISTORY,
        {"id": order["id"], "message": "called the buyer"},
        **{"apollographql-client-name": "support-desk"},
    )
    assert data["addOrderHistory"]["order"]["history"][-1]["author"] == "support-desk"
    assert order["history"][0]["author"] == "system"
