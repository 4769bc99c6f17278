"""Fulfillments on Wix: create (with tracking), update, delete, bulk create, addOrderTracking."""

from __future__ import annotations

from typing import Any

from app.domain import ids
from tests.wix.conftest import WixGateway

FULFIL = """mutation($id: ID!, $input: FulfillmentInput!) { createFulfillment(orderId: $id, input: $input) {
  order { fulfillmentStatus lineItems { fulfilledQuantity } }
  fulfillment { id status lineItems { quantity } trackingInfo { trackingNumber shippingProvider trackingLink } }
  userErrors { field code message } } }"""
UPDATE = """mutation($id: ID!, $fid: ID!, $input: UpdateFulfillmentInput!) {
  updateFulfillment(orderId: $id, fulfillmentId: $fid, input: $input) {
    fulfillment { id status trackingInfo { trackingNumber } } userErrors { field code } } }"""
DELETE = """mutation($id: ID!, $fid: ID!) { deleteFulfillment(orderId: $id, fulfillmentId: $fid) {
  order { fulfillmentStatus } fulfillment { id } userErrors { code } } }"""
BULK = """mutation($input: [BulkFulfillmentInput!]!) { bulkCreateFulfillments(input: $input) {
  results { originalIndex success id order { id fulfillmentStatus } error { field code } }
  bulkActionMetadata { totalSuccesses totalFailures } } }"""
TRACK = """mutation($id: ID!, $input: TrackingInput!) { addOrderTracking(orderId: $id, input: $input) {
  fulfillment { id lineItems { quantity } trackingInfo { shippingProvider trackingLink } } userErrors { field code } } }"""
CANCEL = """mutation($id: ID!) { cancelOrder(id: $id) { userErrors { code } } }"""


def lines(order: dict[str, Any], quantity: int) -> list[dict[str, Any]]:
    return [{"lineItemId": order["lineItems"][0]["id"], "quantity": quantity}]


async def fulfil(gateway: WixGateway, order_id: str, **fields: Any) -> dict[str, Any]:
    return (await gateway.query(FULFIL, {"id": order_id, "input": fields}))["createFulfillment"]  # type: ignore[no-any-return]


async def test_create_update_delete_a_fulfillment(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    order = await wix_gateway.create_wix()
    made = await fulfil(
        wix_gateway,
        order["id"],
        lineItems=lines(order, 1),
        trackingInfo={"trackingNumber": "7489", "shippingProvider": "FedEx"},
    )
    assert made["userErrors"] == []
    assert made["order"] == {
        "fulfillmentStatus": "PARTIALLY_FULFILLED",
        "lineItems": [{"fulfilledQuantity": 1}],
    }
    assert made["fulfillment"]["trackingInfo"] == {
        "trackingNumber": "7489",
        "shippingProvider": "fedex",
        "trackingLink": "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber=7489",
    }
    sent = wix.sent("POST", "/create-fulfillment")["fulfillment"]
    wix_line = wix.orders[ids.decode(order["id"]).native]["lineItems"][0]["id"]
    assert sent["lineItems"] == [{"id": wix_line, "quantity": 1}]
    assert sent["trackingInfo"] == {"trackingNumber": "7489", "shippingProvider": "fedex"}  # Wix links fedex
    assert sent["status"] == "Pending"
    fid = made["fulfillment"]["id"]
    shipped = await wix_gateway.query(UPDATE, {"id": order["id"], "fid": fid, "input": {"status": "SHIPPED"}})
    assert shipped["updateFulfillment"] == {
        "fulfillment": {"id": fid, "status": "SHIPPED", "trackingInfo": {"trackingNumber": "7489"}},
        "userErrors": [],
    }
    assert wix.sent("PATCH", ids.decode(order["id"]).native) == {
        "fulfillment": {"status": "In_Delivery"},
        "fieldMask": {"paths": ["status"]},
    }
    patches = wix.count("PATCH")
    back = await wix_gateway.query(UPDATE, {"id": order["id"], "fid": fid, "input": {"status": "PENDING"}})
    assert back["updateFulfillment"]["userErrors"] == [
        {"field": ["input", "status"], "code": "INVALID_TRANSITION"}
    ]
    assert wix.count("PATCH") == patches
    gone = (await wix_gateway.query(DELETE, {"id": order["id"], "fid": fid}))["deleteFulfillment"]
    assert gone == {
        "order": {"fulfillmentStatus": "NOT_FULFILLED"},
        "fulfillment": {"id": fid},
        "userErrors": [],
    }
    assert wix.fulfillments[ids.decode(order["id"]).native] == []
    assert (await wix_gateway.event_types(order["id"])).count("FULFILLMENTS_UPDATED") == 3


async def test_fulfillment_rules_refuse_before_any_write(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    order = await wix_gateway.create_wix()
    creates = wix.count("POST", "/create-fulfillment")
    over = await fulfil(wix_gateway, order["id"], lineItems=lines(order, 3))
    assert over["userErrors"][0]["code"] == "QUANTITY_EXCEEDED"
    assert over["userErrors"][0]["field"] == ["input", "lineItems", "0", "quantity"]
    custom = await fulfil(
        wix_gateway,
        order["id"],
        lineItems=lines(order, 1),
        trackingInfo={"trackingNumber": "1", "shippingProvider": "Bob"},
    )
    assert custom["userErrors"][0]["field"] == ["input", "trackingInfo", "trackingLink"]
    await wix_gateway.query(CANCEL, {"id": order["id"]})
    canceled = await fulfil(wix_gateway, order["id"], lineItems=lines(order, 1))
    assert canceled["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert wix.count("POST", "/create-fulfillment") == creates


async def test_bulk_create_maps_each_order_result_back(wix_gateway: WixGateway) -> None:
    orders = [await wix_gateway.create_wix() for _ in range(3)]
    wix_gateway.wix.orders[ids.decode(orders[2]["id"]).native]["status"] = (
        "CANCELED"  # canceled on Wix meanwhile
    )
    items = [
        {"orderId": orders[0]["id"], "fulfillment": {"lineItems": lines(orders[0], 1)}},
        {"orderId": orders[1]["id"], "fulfillment": {"lineItems": lines(orders[1], 5)}},
        {"orderId": orders[0]["id"], "fulfillment": {"lineItems": lines(orders[0], 1)}},
        {"orderId": orders[2]["id"], "fulfillment": {"lineItems": lines(orders[2], 1)}},
        {"orderId": orders[1]["id"], "fulfillment": {"lineItems": lines(orders[1], 2)}},
    ]
    bulk = (await wix_gateway.query(BULK, {"input": items}))["bulkCreateFulfillments"]
    results = bulk["results"]
    assert [r["success"] for r in results] == [True, False, True, False, True]
    assert results[1]["error"] == {
        "field": ["input", "1", "fulfillment", "lineItems", "0", "quantity"],
        "code": "QUANTITY_EXCEEDED",
    }
    assert results[3]["error"]["code"] == "INVALID_TRANSITION"
    assert results[2]["order"] == {"id": orders[0]["id"], "fulfillmentStatus": "FULFILLED"}
    assert results[4]["order"] == {"id": orders[1]["id"], "fulfillmentStatus": "FULFILLED"}
    assert len({results[0]["id"], results[2]["id"], results[4]["id"]}) == 3
    sent = wix_gateway.wix.sent("POST", "/bulk/create-fulfillments")["ordersWithFulfillments"]
    assert [(e["orderId"], len(e["fulfillments"])) for e in sent] == [
        (ids.decode(orders[0]["id"]).native, 2),
        (ids.decode(orders[1]["id"]).native, 1),
    ]
    assert bulk["bulkActionMetadata"] == {"totalSuccesses": 3, "totalFailures": 2}


async def test_add_order_tracking_fulfils_the_rest_then_updates_the_newest(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    first = await wix_gateway.query(
        TRACK, {"id": order["id"], "input": {"trackingNumber": "1Z", "shippingProvider": "ups"}}
    )
    made = first["addOrderTracking"]
    assert made["userErrors"] == []
    assert made["fulfillment"]["lineItems"] == [{"quantity": 2}]
    assert made["fulfillment"]["trackingInfo"]["trackingLink"].endswith("trackNums=1Z")
    second = await wix_gateway.query(
        TRACK, {"id": order["id"], "input": {"trackingNumber": "9", "shippingProvider": "royalMail"}}
    )
    updated = second["addOrderTracking"]
    calls = len(wix_gateway.wix.calls)
    custom = {"trackingNumber": "9", "shippingProvider": "Bob's vans"}
    refused = (await wix_gateway.query(TRACK, {"id": order["id"], "input": custom}))["addOrderTracking"]
    assert refused["userErrors"] == [{"field": ["input", "trackingLink"], "code": "INVALID"}]
    assert len(wix_gateway.wix.calls) == calls  # refused without reading the order
    assert updated["fulfillment"]["id"] == made["fulfillment"]["id"]
    assert updated["fulfillment"]["trackingInfo"]["shippingProvider"] == "royalMail"
    assert wix_gateway.wix.sent("PATCH", ids.decode(order["id"]).native)["fulfillment"]["trackingInfo"] == {
        "trackingNumber": "9",
        "shippingProvider": "royalMail",
        "trackingLink": "https://www.royalmail.com/track-your-item#/tracking-results/9",
    }


async def test_bulk_items_wix_refuses_or_a_failed_bulk_call_fail_on_their_own(
    wix_gateway: WixGateway,
) -> None:
    wix = wix_gateway.wix
    good, refused = await wix_gateway.create_wix(), await wix_gateway.create_wix()
    wix.refusing.add(ids.decode(refused["id"]).native)
    items = [
        {"orderId": refused["id"], "fulfillment": {"lineItems": lines(refused, 1)}},
        {"orderId": good["id"], "fulfillment": {"lineItems": lines(good, 1)}},
    ]
    bulk = (await wix_gateway.query(BULK, {"input": items}))["bulkCreateFulfillments"]
    assert [r["success"] for r in bulk["results"]] == [False, True]
    assert bulk["results"][0]["error"] == {"field": ["input", "0", "orderId"], "code": "UPSTREAM_ERROR"}
    wix.fail("POST", "/bulk/create-fulfillments", status=500)
    calls = wix.count("POST", "/bulk/create-fulfillments")
    again = (await wix_gateway.query(BULK, {"input": items[1:]}))["bulkCreateFulfillments"]
    assert again["results"][0]["error"] == {"field": ["input", "0"], "code": "UPSTREAM_ERROR"}
    assert wix.count("POST", "/bulk/create-fulfillments") == calls + 1  # the failed call was not retried


async def test_more_than_100_bulk_fulfillments_are_refused_whole(wix_gateway: WixGateway) -> None:
    order = await wix_gateway.create_wix()
    items = [{"orderId": order["id"], "fulfillment": {"lineItems": lines(order, 1)}}] * 101
    calls = len(wix_gateway.wix.calls)
    query = """mutation($input: [BulkFulfillmentInput!]!) { bulkCreateFulfillments(input: $input) {
      userErrors { code } } }"""
    assert (await wix_gateway.query(query, {"input": items}))["bulkCreateFulfillments"] == {
        "userErrors": [{"code": "LIMIT_EXCEEDED"}]
    }
    assert len(wix_gateway.wix.calls) == calls


SENT = """mutation($id: ID!) { markOrderSent(id: $id) {
  order { fulfillmentStatus deliveryStatus fulfillments { status lineItems { quantity } } }
  userErrors { field code message } } }"""
DELIVERED = """mutation($id: ID!) { markOrderDelivered(id: $id) {
  order { fulfillmentStatus deliveryStatus fulfillments { status } } userErrors { code } } }"""


async def test_mark_sent_then_delivered_fulfil_the_rest_and_move_each_fulfillment(
    wix_gateway: WixGateway,
) -> None:
    wix = wix_gateway.wix
    order = await wix_gateway.create_wix()
    await fulfil(wix_gateway, order["id"], lineItems=lines(order, 1))
    sent = (await wix_gateway.query(SENT, {"id": order["id"]}))["markOrderSent"]
    assert sent["userErrors"] == []
    assert sent["order"] == {
        "fulfillmentStatus": "FULFILLED",
        "deliveryStatus": "SHIPPED",
        "fulfillments": [
            {"status": "SHIPPED", "lineItems": [{"quantity": 1}]},
            {"status": "SHIPPED", "lineItems": [{"quantity": 1}]},
        ],
    }
    assert wix.sent("POST", "/create-fulfillment")["fulfillment"]["status"] == "In_Delivery"
    assert wix.sent("PATCH", ids.decode(order["id"]).native) == {
        "fulfillment": {"status": "In_Delivery"},
        "fieldMask": {"paths": ["status"]},
    }
    delivered = (await wix_gateway.query(DELIVERED, {"id": order["id"]}))["markOrderDelivered"]
    assert delivered["order"]["deliveryStatus"] == "DELIVERED"
    assert [f["status"] for f in delivered["order"]["fulfillments"]] == ["DELIVERED", "DELIVERED"]
    native = ids.decode(order["id"]).native
    assert [f["status"] for f in wix.fulfillments[native]] == ["Fulfilled", "Fulfilled"]


async def test_a_mark_sent_that_fails_halfway_answers_with_the_order_and_the_error(
    wix_gateway: WixGateway,
) -> None:
    wix = wix_gateway.wix
    order = await wix_gateway.create_wix()
    await fulfil(wix_gateway, order["id"], lineItems=lines(order, 1))
    wix.fail("PATCH", "/ecom/v1/fulfillments/", status=500)
    sent = (await wix_gateway.query(SENT, {"id": order["id"]}))["markOrderSent"]
    [error] = sent["userErrors"]
    assert (error["code"], error["field"]) == ("UPSTREAM_ERROR", ["id"])
    assert error["message"].startswith("1 of 2 fulfillment changes were made on Wix")
    assert sent["order"]["fulfillmentStatus"] == "FULFILLED"
    assert [f["status"] for f in sent["order"]["fulfillments"]] == ["PENDING", "SHIPPED"]
