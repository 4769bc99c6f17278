"""Fulfillment mutations over HTTP: create, split, update, delete, tracking, mark sent/delivered, bulk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.backends.local.tables import EventRow, FulfillmentRow, HistoryRow, LineItemRow, OrderRow
from app.server import GATEWAY
from tests.conftest import Gateway

F_FIELDS = "id status createdAt updatedAt lineItems { lineItemId quantity lineItem { id productName } } trackingInfo { trackingNumber shippingProvider trackingLink }"
O_FIELDS = f"""id status revision fulfillmentStatus deliveryStatus
  lineItems {{ id quantity fulfilledQuantity }} fulfillments {{ {F_FIELDS} }} history {{ kind message }}"""
F_PAYLOAD = f"order {{ {O_FIELDS} }} fulfillment {{ {F_FIELDS} }} userErrors {{ field message code }}"
CREATE = f"""mutation($id: ID!, $input: FulfillmentInput!) {{
  createFulfillment(orderId: $id, input: $input) {{ {F_PAYLOAD} }} }}"""
UPDATE = f"""mutation($id: ID!, $f: ID!, $input: UpdateFulfillmentInput!) {{
  updateFulfillment(orderId: $id, fulfillmentId: $f, input: $input) {{ {F_PAYLOAD} }} }}"""
DELETE = f"""mutation($id: ID!, $f: ID!) {{ deleteFulfillment(orderId: $id, fulfillmentId: $f) {{ {F_PAYLOAD} }} }}"""
TRACK = f"""mutation($id: ID!, $input: TrackingInput!) {{ addOrderTracking(orderId: $id, input: $input) {{ {F_PAYLOAD} }} }}"""
SENT = f"mutation($id: ID!) {{ markOrderSent(id: $id) {{ order {{ {O_FIELDS} }} userErrors {{ field code }} }} }}"
DELIVERED = f"mutation($id: ID!) {{ markOrderDelivered(id: $id) {{ order {{ {O_FIELDS} }} userErrors {{ field code }} }} }}"
BULK = """mutation($input: [BulkFulfillmentInput!]!) { bulkCreateFulfillments(input: $input) {
  results { originalIndex success id order { id revision fulfillmentStatus lineItems { fulfilledQuantity } }
            error { field message code } }
  bulkActionMetadata { totalSuccesses totalFailures } userErrors { field message code } } }"""
READ = f"query($id: ID!) {{ order(id: $id) {{ {O_FIELDS} }} }}"
LIFECYCLE = "mutation($id: ID!) {{ {op}(id: $id) {{ userErrors {{ code }} }} }}"


async def order_of(gateway: Gateway, order_id: str) -> dict[str, Any]:
    return (await gateway.query(READ, {"id": order_id}))["order"]  # type: ignore[no-any-return]


async def snapshot(gateway: Gateway, order_id: str) -> list[Any]:
    """Everything stored for one order, to prove a refused change wrote nothing."""
    rows: list[Any] = []
    async with gateway.app[GATEWAY].database.read() as conn:
        for row_type in (OrderRow, LineItemRow, FulfillmentRow, HistoryRow, EventRow):
            table = row_type.__table__  # type: ignore[attr-defined]
            key = table.c.id if "id" in table.c else table.c.order_id
            column = table.c.order_id if "order_id" in table.c else key
            stmt = select(table).where(column == order_id).order_by(*table.primary_key.columns)
            rows.append([tuple(r) for r in await conn.execute(stmt)])
    return rows


async def two_line_order(gateway: Gateway, **fields: Any) -> tuple[dict[str, Any], str, str]:
    order = await gateway.create(
        lineItems=[
            {"productName": "Mug", "quantity": 3, "price": "5.00"},
            {"productName": "Tea", "quantity": 1, "price": "4.00"},
        ],
        **fields,
    )
    return order, order["lineItems"][0]["id"], order["lineItems"][1]["id"]


def lines(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"lineItemId": line, "quantity": qty} for line, qty in pairs]


async def test_a_line_splits_across_fulfillments_up_to_its_quantity(gateway: Gateway) -> None:
    order, mug, tea = await two_line_order(gateway)
    first = await gateway.field(CREATE, id=order["id"], input={"lineItems": lines((mug, 2))})
    assert first["userErrors"] == []
    f = first["fulfillment"]
    assert (f["status"], f["trackingInfo"]) == ("PENDING", None)
    assert f["lineItems"] == [
        {"lineItemId": mug, "quantity": 2, "lineItem": {"id": mug, "productName": "Mug"}}
    ]
    assert first["order"]["fulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert [li["fulfilledQuantity"] for li in first["order"]["lineItems"]] == [2, 0]
    assert first["order"]["history"][-1]["kind"] == "FULFILLMENT_CREATED"
    over = await gateway.field(CREATE, id=order["id"], input={"lineItems": lines((tea, 1), (mug, 2))})
    assert [(e["field"], e["code"]) for e in over["userErrors"]] == [
        (["input", "lineItems", "1", "quantity"], "QUANTITY_EXCEEDED")
    ]
    rest = await gateway.field(
        CREATE,
        id=order["id"],
        input={
            "lineItems": lines((mug, 1), (tea, 1)),
            "status": "SHIPPED",
            "trackingInfo": {"trackingNumber": "7489", "shippingProvider": "FedEx"},
        },
    )
    assert rest["order"]["fulfillmentStatus"] == "FULFILLED"
    assert rest["order"]["deliveryStatus"] == "PARTIALLY_SHIPPED"
    assert rest["fulfillment"]["trackingInfo"] == {
        "trackingNumber": "7489",
        "shippingProvider": "fedex",
        "trackingLink": "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber=7489",
    }
    assert rest["order"]["revision"] == 3
    assert await gateway.event_types(order["id"]) == [
        "ORDER_CREATED",
        "ORDER_APPROVED",
        "FULFILLMENTS_UPDATED",
        "FULFILLMENTS_UPDATED",
    ]


async def test_refused_fulfillments_change_nothing(gateway: Gateway) -> None:
    order, mug, tea = await two_line_order(gateway)
    await gateway.field(CREATE, id=order["id"], input={"lineItems": lines((mug, 1))})
    before = await snapshot(gateway, order["id"])
    cases: list[tuple[dict[str, Any], list[str], str]] = [
        ({"lineItems": []}, ["input", "lineItems"], "INVALID"),
        ({"lineItems": lines((mug, 3))}, ["input", "lineItems", "0", "quantity"], "QUANTITY_EXCEEDED"),
        ({"lineItems": lines((mug, 0))}, ["input", "lineItems", "0", "quantity"], "INVALID"),
        (
            {"lineItems": lines((tea, 1), (order["id"], 1))},
            ["input", "lineItems", "1", "lineItemId"],
            "NOT_FOUND",
        ),
        ({"lineItems": lines((mug, 1), (mug, 1))}, ["input", "lineItems", "1", "lineItemId"], "INVALID"),
        ({"lineItems": lines((mug, 1)) * 301}, ["input", "lineItems"], "LIMIT_EXCEEDED"),
        (
            {
                "lineItems": lines((mug, 1)),
                "trackingInfo": {"trackingNumber": "1", "shippingProvider": "Bob's Van"},
            },
            ["input", "trackingInfo", "trackingLink"],
            "INVALID",
        ),
        (
            {
                "lineItems": lines((mug, 1)),
                "trackingInfo": {
                    "trackingNumber": "1",
                    "shippingProvider": "ups",
                    "trackingLink": "javascript:alert(1)",
                },
            },
            ["input", "trackingInfo", "trackingLink"],
            "INVALID",
        ),
    ]
    for fulfillment, field, code in cases:
        result = await gateway.field(CREATE, id=order["id"], input=fulfillment)
        assert result["order"] is None and result["fulfillment"] is None
        assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(field, code)], fulfillment
    assert await snapshot(gateway, order["id"]) == before


async def test_only_approved_orders_are_fulfilled(gateway: Gateway) -> None:
    new, mug, _ = await two_line_order(gateway, status="INITIALIZED")
    refused = await gateway.field(CREATE, id=new["id"], input={"lineItems": lines((mug, 1))})
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert (await gateway.field(SENT, id=new["id"]))["userErrors"][0]["code"] == "INVALID_TRANSITION"
    done, mug, _ = await two_line_order(gateway)
    await gateway.field(LIFECYCLE.format(op="completeOrder"), id=done["id"])
    refused = await gateway.field(CREATE, id=done["id"], input={"lineItems": lines((mug, 1))})
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"
    gone, mug, _ = await two_line_order(gateway)
    await gateway.field(LIFECYCLE.format(op="cancelOrder"), id=gone["id"])
    tracking = {"trackingNumber": "1", "shippingProvider": "ups"}
    assert (await gateway.field(TRACK, id=gone["id"], input=tracking))["userErrors"][0][
        "code"
    ] == "INVALID_TRANSITION"
    missing = await gateway.field(CREATE, id="bm9wZQ", input={"lineItems": lines((mug, 1))})
    assert [(e["field"], e["code"]) for e in missing["userErrors"]] == [(["orderId"], "NOT_FOUND")]


async def test_update_moves_status_forward_and_sets_or_clears_tracking(gateway: Gateway) -> None:
    order, mug, _ = await two_line_order(gateway)
    f = (await gateway.field(CREATE, id=order["id"], input={"lineItems": lines((mug, 3))}))["fulfillment"][
        "id"
    ]
    shipped = await gateway.field(UPDATE, id=order["id"], f=f, input={"status": "SHIPPED"})
    assert shipped["fulfillment"]["status"] == "SHIPPED"
    assert shipped["order"]["deliveryStatus"] == "PARTIALLY_SHIPPED"
    assert shipped["order"]["history"][-1]["kind"] == "FULFILLMENT_UPDATED"
    tracked = await gateway.field(
        UPDATE,
        id=order["id"],
        f=f,
        input={"trackingInfo": {"trackingNumber": "RM 1/2", "shippingProvider": "royalmail"}},
    )
    info = tracked["fulfillment"]["trackingInfo"]
    assert info["shippingProvider"] == "royalMail"
    assert info["trackingLink"] == "https://www.royalmail.com/track-your-item#/tracking-results/RM%201%2F2"
    assert tracked["fulfillment"]["status"] == "SHIPPED"
    assert tracked["order"]["history"][-1]["kind"] == "TRACKING_ADDED"
    back = await gateway.field(UPDATE, id=order["id"], f=f, input={"status": "PENDING"})
    assert [(e["field"], e["code"]) for e in back["userErrors"]] == [
        (["input", "status"], "INVALID_TRANSITION")
    ]
    cleared = await gateway.field(
        UPDATE, id=order["id"], f=f, input={"trackingInfo": None, "status": "DELIVERED"}
    )
    assert cleared["fulfillment"]["trackingInfo"] is None
    assert cleared["fulfillment"]["lineItems"][0]["quantity"] == 3
    assert cleared["order"]["revision"] == 5
    unknown = await gateway.field(UPDATE, id=order["id"], f=order["id"], input={"status": "SHIPPED"})
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [(["fulfillmentId"], "NOT_FOUND")]


async def test_delete_gives_the_units_back(gateway: Gateway) -> None:
    order, mug, tea = await two_line_order(gateway)
    f = (await gateway.field(CREATE, id=order["id"], input={"lineItems": lines((mug, 2), (tea, 1))}))[
        "fulfillment"
    ]
    deleted = await gateway.field(DELETE, id=order["id"], f=f["id"])
    assert deleted["fulfillment"]["id"] == f["id"]
    assert deleted["order"]["fulfillments"] == []
    assert [li["fulfilledQuantity"] for li in deleted["order"]["lineItems"]] == [0, 0]
    assert deleted["order"]["fulfillmentStatus"] == "NOT_FULFILLED"
    assert deleted["order"]["history"][-1]["kind"] == "FULFILLMENT_DELETED"
    again = await gateway.field(DELETE, id=order["id"], f=f["id"])
    assert again["userErrors"][0]["code"] == "NOT_FOUND"


async def test_mark_sent_then_delivered(gateway: Gateway) -> None:
    order, mug, tea = await two_line_order(gateway)
    delivered = (
        await gateway.field(
            CREATE, id=order["id"], input={"lineItems": lines((mug, 1)), "status": "DELIVERED"}
        )
    )["fulfillment"]["id"]
    pending = (await gateway.field(CREATE, id=order["id"], input={"lineItems": lines((mug, 1))}))[
        "fulfillment"
    ]["id"]
    sent = (await gateway.field(SENT, id=order["id"]))["order"]
    statuses = {f["id"]: f["status"] for f in sent["fulfillments"]}
    assert statuses.pop(delivered) == "DELIVERED" and statuses.pop(pending) == "SHIPPED"
    (new,) = statuses.values()
    assert new == "SHIPPED"
    assert sent["fulfillments"][-1]["lineItems"] == [
        {"lineItemId": mug, "quantity": 1, "lineItem": {"id": mug, "productName": "Mug"}},
        {"lineItemId": tea, "quantity": 1, "lineItem": {"id": tea, "productName": "Tea"}},
    ]
    assert (sent["fulfillmentStatus"], sent["deliveryStatus"], sent["revision"]) == (
        "FULFILLED",
        "SHIPPED",
        4,
    )
    assert [h["kind"] for h in sent["history"][-2:]] == ["FULFILLMENT_CREATED", "FULFILLMENT_UPDATED"]
    again = (await gateway.field(SENT, id=order["id"]))["order"]
    assert again["revision"] == 4  # nothing left to do: no change
    done = (await gateway.field(DELIVERED, id=order["id"]))["order"]
    assert {f["status"] for f in done["fulfillments"]} == {"DELIVERED"}
    assert (done["deliveryStatus"], done["revision"]) == ("DELIVERED", 5)
    assert (await gateway.event_types(order["id"]))[-3:] == ["FULFILLMENTS_UPDATED"] * 3


async def test_completed_orders_can_still_be_sent_and_tracked(gateway: Gateway) -> None:
    order, _, _ = await two_line_order(gateway)
    await gateway.field(LIFECYCLE.format(op="completeOrder"), id=order["id"])
    tracked = await gateway.field(
        TRACK, id=order["id"], input={"trackingNumber": "1Z9", "shippingProvider": "UPS"}
    )
    assert tracked["userErrors"] == []
    assert tracked["order"]["status"] == "COMPLETED" and tracked["order"]["fulfillmentStatus"] == "FULFILLED"
    assert (await gateway.field(DELIVERED, id=order["id"]))["order"]["deliveryStatus"] == "DELIVERED"


async def test_add_tracking_fulfils_the_rest_or_tracks_the_newest(gateway: Gateway) -> None:
    order, mug, tea = await two_line_order(gateway)
    await gateway.field(CREATE, id=order["id"], input={"lineItems": lines((mug, 1))})
    first = await gateway.field(
        TRACK, id=order["id"], input={"trackingNumber": "A1", "shippingProvider": "dhl"}
    )
    assert [(li["lineItemId"], li["quantity"]) for li in first["fulfillment"]["lineItems"]] == [
        (mug, 2),
        (tea, 1),
    ]
    assert first["fulfillment"]["trackingInfo"]["trackingLink"].endswith("tracking-id=A1")
    assert [h["kind"] for h in first["order"]["history"][-2:]] == ["FULFILLMENT_CREATED", "TRACKING_ADDED"]
    assert first["order"]["fulfillmentStatus"] == "FULFILLED"
    custom = {
        "trackingNumber": "B2",
        "shippingProvider": "Bob's Van",
        "trackingLink": "https://bob.example/t/B2",
    }
    second = await gateway.field(TRACK, id=order["id"], input=custom)
    assert second["fulfillment"]["id"] == first["fulfillment"]["id"]
    assert second["fulfillment"]["trackingInfo"] == custom
    assert len(second["order"]["fulfillments"]) == 2
    assert second["order"]["revision"] == first["order"]["revision"] + 1
    refused = await gateway.field(
        TRACK, id=order["id"], input={"trackingNumber": "C3", "shippingProvider": "Bob's Van"}
    )
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "trackingLink"], "INVALID")
    ]


async def test_bulk_create_succeeds_or_fails_per_item(gateway: Gateway) -> None:
    a, a_mug, a_tea = await two_line_order(gateway)
    b, b_mug, _ = await two_line_order(gateway)
    b_before = await snapshot(gateway, b["id"])
    items = [
        {"orderId": a["id"], "fulfillment": {"lineItems": lines((a_mug, 2))}},
        {"orderId": b["id"], "fulfillment": {"lineItems": lines((b_mug, 4))}},  # too many
        {"orderId": a["id"], "fulfillment": {"lineItems": lines((a_mug, 2))}},  # only 1 left
        {"orderId": a["id"], "fulfillment": {"lineItems": lines((a_mug, 1), (a_tea, 1))}},
        {"orderId": "bm9wZQ", "fulfillment": {"lineItems": lines((a_mug, 1))}},
    ]
    result = await gateway.field(BULK, input=items)
    assert result["userErrors"] == []
    assert result["bulkActionMetadata"] == {"totalSuccesses": 2, "totalFailures": 3}
    assert [(r["originalIndex"], r["success"]) for r in result["results"]] == [
        (0, True),
        (1, False),
        (2, False),
        (3, True),
        (4, False),
    ]
    assert [(r["error"]["field"], r["error"]["code"]) for r in result["results"] if r["error"]] == [
        (["input", "1", "fulfillment", "lineItems", "0", "quantity"], "QUANTITY_EXCEEDED"),
        (["input", "2", "fulfillment", "lineItems", "0", "quantity"], "QUANTITY_EXCEEDED"),
        (["input", "4", "orderId"], "NOT_FOUND"),
    ]
    done = result["results"][3]["order"]
    assert (done["revision"], done["fulfillmentStatus"]) == (2, "FULFILLED")
    stored = await order_of(gateway, a["id"])
    assert [f["id"] for f in stored["fulfillments"]] == [
        result["results"][0]["id"],
        result["results"][3]["id"],
    ]
    assert (await gateway.event_types(a["id"]))[-1:] == ["FULFILLMENTS_UPDATED"]
    assert len(await gateway.event_types(a["id"])) == 3
    assert await snapshot(gateway, b["id"]) == b_before


async def test_bulk_create_limits(gateway: Gateway) -> None:
    order, mug, _ = await two_line_order(gateway)
    item = {"orderId": order["id"], "fulfillment": {"lineItems": lines((mug, 1))}}
    result = await gateway.field(BULK, input=[item] * 101)
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(["input"], "LIMIT_EXCEEDED")]
    assert (await gateway.field(BULK, input=[]))["userErrors"][0]["code"] == "INVALID"
    assert (await order_of(gateway, order["id"]))["fulfillments"] == []


async def test_stored_fulfillment_counts_match_lines(gateway: Gateway) -> None:
    order, mug, tea = await two_line_order(gateway)
    await gateway.field(CREATE, id=order["id"], input={"lineItems": lines((mug, 2), (tea, 1))})
    async with gateway.app[GATEWAY].database.read() as conn:
        lines_t = LineItemRow.__table__  # type: ignore[attr-defined]
        stmt = select(func.sum(lines_t.c.fulfilled_quantity)).where(lines_t.c.order_id == order["id"])
        assert (await conn.execute(stmt)).scalar_one() == 3
