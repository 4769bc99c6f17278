"""The measured requests, each with a check that every response holds what it should.

A scenario is one GraphQL operation and the variables of each request body it sends, built from what
seeding created. A read sends one body; a write cycles through several, so that every request does the
same work on orders no other body touches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app.domain.listing import MAX_PAGE
from bench.graphql import encode
from bench.seed import (
    BULK_CREATE_FULFILLMENTS,
    BULK_MAX,
    LINES,
    LINES_PER_ORDER,
    RICH_FULFILLMENTS,
    RICH_LINES,
    RICH_ORDERS,
    RICH_PAYMENTS,
    Seeded,
    fulfillment_item,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.graphql import Check
    from bench.profiles import Profile


def _no_variables(seeded: Seeded) -> list[dict[str, Any]]:
    return [{}]


@dataclass(frozen=True)
class Scenario:
    """One GraphQL operation, measured repeatedly; `check` runs on every response."""

    slug: str
    title: str
    query: str
    check: Check
    variables: Callable[[Seeded], list[dict[str, Any]]] = _no_variables
    writes: bool = False
    target: str = ""  # the figure issue-level targets set for it, if any
    connections: int | None = None  # instead of the profile's, for a latency measured one at a time
    paced_at: float = 0.0  # if set, also measured open loop at this fraction of its max req/s
    paced_target: str = ""  # the target for the latency at that rate

    def profile_for(self, profile: Profile) -> Profile:
        """`profile` with this scenario's own number of connections, if it has one."""
        return replace(profile, connections=self.connections) if self.connections else profile

    data: str = f"newest of the regular orders: {LINES_PER_ORDER} lines, 1–2 payments, 1 fulfillment each"

    def payloads(self, seeded: Seeded) -> list[bytes]:
        """The request bodies, sent round-robin."""
        return [encode(self.query, variables) for variables in self.variables(seeded)]


def _check_orders_page(document: dict[str, Any]) -> str | None:
    edges = document["data"]["orders"]["edges"]
    if len(edges) != 50:
        return f"expected 50 orders in the page, got {len(edges)}"
    short = [edge["node"]["number"] for edge in edges if len(edge["node"]["lineItems"]) != LINES_PER_ORDER]
    return f"orders without {LINES_PER_ORDER} line items: {short[:5]}" if short else None


ORDERS_PAGE = Scenario(
    slug="orders-page-50-nested-lines",
    title="orders page of 50 with nested lines",
    query=(
        "{ orders(first: 50) { edges { node { id number status currency buyer { email } "
        "priceSummary { total } lineItems { id productName quantity price totalPrice } } } } }"
    ),
    check=_check_orders_page,
)


def _check_paid_fulfilled_page(document: dict[str, Any]) -> str | None:
    nodes = document["data"]["orders"]["nodes"]
    if len(nodes) != 100:
        return f"expected 100 orders in the page, got {len(nodes)}"
    bare = [node["number"] for node in nodes if not node["payments"] or not node["fulfillments"]]
    return f"orders without payments or fulfillments: {bare[:5]}" if bare else None


PAID_FULFILLED_PAGE = Scenario(
    slug="orders-page-100-payments-fulfillments",
    title="orders page of 100 with payments and fulfillments",
    query=(
        "{ orders(first: 100) { nodes { id number status paymentStatus fulfillmentStatus "
        "balance { paid refunded due } priceSummary { total } lineItems { id quantity fulfilledQuantity } "
        "payments { id amount method status refundedAmount } "
        "fulfillments { id status trackingInfo { trackingNumber shippingProvider trackingLink } "
        "lineItems { quantity lineItem { id productName } } } } } }"
    ),
    check=_check_paid_fulfilled_page,
)


ORDER_SELECTION = (
    "id number source externalId status paymentStatus fulfillmentStatus deliveryStatus currency note "
    "revision createdAt updatedAt discount buyer { email firstName lastName phone customerId } "
    "billingAddress { firstName lastName company line1 line2 city postalCode region countryCode phone } "
    "shippingAddress { firstName lastName line1 city postalCode countryCode } shippingLine { title price } "
    "customStatus { id name color } priceSummary { subtotal discount shipping tax total } "
    "balance { paid refunded due } "
    "lineItems { id productName sku catalogItemId imageUrl quantity fulfilledQuantity price discount taxRate "
    "taxAmount totalPrice } "
    "payments { id amount method status providerTransactionId refundedAmount createdAt updatedAt } "
    "fulfillments { id status createdAt updatedAt "
    "trackingInfo { trackingNumber shippingProvider trackingLink } "
    "lineItems { lineItemId quantity lineItem { id productName } } } "
    "history { id kind message author createdAt }"
)
"""Every field of an order and of every list in it."""


def _check_all_nested_page(first: int) -> Check:
    def check(document: dict[str, Any]) -> str | None:
        nodes = document["data"]["orders"]["nodes"]
        if len(nodes) != first:
            return f"expected {first} orders in the page, got {len(nodes)}"
        short = [
            node["number"]
            for node in nodes
            if len(node["lineItems"]) != LINES_PER_ORDER or not node["payments"] or not node["history"]
        ]
        return f"orders without their lines, payments or history: {short[:5]}" if short else None

    return check


def all_nested_page(first: int, target: str = "") -> Scenario:
    """The page of the `first` newest orders with every field of every nested list, and its total."""
    return Scenario(
        slug=f"orders-page-{first}-all-nested",
        title=f"orders page of {first} with every nested list",
        query=f"{{ orders(first: {first}) {{ totalCount nodes {{ {ORDER_SELECTION} }} }} }}",
        check=_check_all_nested_page(first),
        target=target,
    )


ALL_NESTED_PAGE = all_nested_page(100, target="≥ 50 req/s; p99 ≤ 80 ms")
PAGE_SIZES = tuple(first for first in (10, 25, 50, 100, 250) if first <= MAX_PAGE)
"""The page sizes the cost by page size is measured at: up to the API's largest page."""
PAGE_SIZE_SCENARIOS = tuple(all_nested_page(first) for first in PAGE_SIZES)


def _rich_ids(seeded: Seeded) -> list[dict[str, Any]]:
    return [{"id": order_id} for order_id in seeded.rich]


def _check_rich_order(document: dict[str, Any]) -> str | None:
    order = document["data"]["order"]
    if order is None:
        return "no such order"
    sizes = (len(order["lineItems"]), len(order["payments"]), len(order["fulfillments"]))
    if sizes != (RICH_LINES, RICH_PAYMENTS, RICH_FULFILLMENTS) or not order["history"]:
        expected = (RICH_LINES, RICH_PAYMENTS, RICH_FULFILLMENTS)
        return f"expected (lines, payments, fulfillments) {expected}, got {sizes}"
    return None


ORDER_BY_ID = Scenario(
    slug="order-by-id-rich",
    title=f"order(id) with {RICH_LINES} lines, {RICH_PAYMENTS} payments, {RICH_FULFILLMENTS} fulfillments",
    query=f"query($id: ID!) {{ order(id: $id) {{ {ORDER_SELECTION} }} }}",
    check=_check_rich_order,
    variables=_rich_ids,
    target="≥ 2,000 req/s; p99 ≤ 10 ms at 70 % of max",
    paced_at=0.7,
    paced_target="p99 ≤ 10 ms",
    data=f"cycling over {RICH_ORDERS} rich orders",
)

CREATE_ORDER_BODIES = 50


def _new_orders(seeded: Seeded) -> list[dict[str, Any]]:
    return [
        {
            "input": {
                "currency": "EUR",
                "buyer": {"email": f"new{i}@example.com", "firstName": "Di", "lastName": f"Ng {i}"},
                "lineItems": list(LINES),
            }
        }
        for i in range(CREATE_ORDER_BODIES)
    ]


def _check_created(document: dict[str, Any]) -> str | None:
    created = document["data"]["createOrder"]
    if created["userErrors"]:
        return f"userErrors: {created['userErrors'][:3]}"
    lines = created["order"]["lineItems"]
    return None if len(lines) == LINES_PER_ORDER else f"expected {LINES_PER_ORDER} lines, got {len(lines)}"


CREATE_ORDER = Scenario(
    slug="create-order-3-lines",
    title=f"createOrder with {LINES_PER_ORDER} lines",
    query=(
        "mutation($input: CreateOrderInput!) { createOrder(input: $input) "
        "{ order { id number status priceSummary { total } lineItems { id totalPrice } } "
        "userErrors { code message field } } }"
    ),
    check=_check_created,
    variables=_new_orders,
    writes=True,
    target="≥ 800 req/s",
    data=f"a new order per request, cycling over {CREATE_ORDER_BODIES} bodies",
)


def _pool_slices(seeded: Seeded) -> list[dict[str, Any]]:
    """Body i fulfils 1 unit on each of pool orders [100 i, 100 i + 100)."""
    return [
        {
            "input": [
                fulfillment_item(order_id, [(line_id, 1)], f"1ZBENCH{start:06d}{j:03d}")
                for j, (order_id, line_id) in enumerate(seeded.pool[start : start + BULK_MAX])
            ]
        }
        for start in range(0, len(seeded.pool) - BULK_MAX + 1, BULK_MAX)
    ]


def _check_bulk_fulfillments(document: dict[str, Any]) -> str | None:
    bulk = document["data"]["bulkCreateFulfillments"]
    if bulk["userErrors"]:
        return f"userErrors: {bulk['userErrors'][:3]}"
    failed = [result for result in bulk["results"] if not result["success"]]
    if failed:
        return f"{len(failed)} items failed, e.g. {failed[0]['error']}"
    if len(bulk["results"]) != BULK_MAX:
        return f"expected {BULK_MAX} results, got {len(bulk['results'])}"
    failures = bulk["bulkActionMetadata"]["totalFailures"]
    return f"totalFailures is {failures}" if failures else None


BULK_FULFILLMENTS = Scenario(
    slug="bulk-create-fulfillments-100",
    title=f"bulkCreateFulfillments of {BULK_MAX} orders, one at a time",
    query=BULK_CREATE_FULFILLMENTS,
    check=_check_bulk_fulfillments,
    variables=_pool_slices,
    writes=True,
    target="≤ 150 ms",
    connections=1,
    data=f"cycling over bodies of {BULK_MAX} pool orders × 1 line each",
)

SCENARIOS = (ORDER_BY_ID, ORDERS_PAGE, PAID_FULFILLED_PAGE, ALL_NESTED_PAGE, CREATE_ORDER, BULK_FULFILLMENTS)


def by_slug(slug: str) -> Scenario:
    """The scenario called `slug`; raises KeyError for an unknown one."""
    return {scenario.slug: scenario for scenario in SCENARIOS}[slug]
