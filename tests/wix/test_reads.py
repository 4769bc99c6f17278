"""Reading Wix orders through the gateway: by id, by number, lists with filters, nested lists in batches."""

from __future__ import annotations

from tests.wix.conftest import WixGateway

ORDER = """query($id: ID!) { order(id: $id) {
  id number source status paymentStatus fulfillmentStatus currency externalId
  buyer { email firstName lastName } priceSummary { subtotal tax total } balance { paid due }
  lineItems { id productName quantity price taxRate taxAmount totalPrice fulfilledQuantity catalogItemId }
  history { kind message author }
  payments { id amount method status }
  fulfillments { id status trackingInfo { trackingNumber shippingProvider trackingLink } }
} }"""


async def test_an_order_placed_on_wix_reads_through_the_gateway(wix_gateway: WixGateway) -> None:
    placed = wix_gateway.wix.place(quantity=3)
    listed = await wix_gateway.field('{ orders(filter: {source: "wix"}, first: 5) { nodes { id number } } }')
    node = next(n for n in listed["nodes"] if n["number"] == placed["number"])
    order = await wix_gateway.field(ORDER, id=node["id"])
    assert order["source"] == "wix"
    assert order["status"] == "APPROVED"
    assert order["priceSummary"] == {"subtotal": "30.00", "tax": "3.00", "total": "33.00"}
    assert order["lineItems"][0]["productName"] == "Blue Mug"
    assert order["lineItems"][0]["quantity"] == 3
    assert order["buyer"]["firstName"] == "Ann"
    assert order["history"][0]["kind"] == "ORDER_CREATED"
    assert order["payments"] == [] and order["fulfillments"] == []
