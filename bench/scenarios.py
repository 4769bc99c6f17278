"""The measured requests, each with a check that every response holds what it should.

A scenario is one GraphQL operation and the variables of each request body it sends, built from what
seeding created. A read sends one body; a write cycles through several, so that every request does the
same work on orders no other body touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.graphql import encode
from bench.seed import BULK_CREATE_FULFILLMENTS, BULK_MAX, LINES_PER_ORDER, Seeded, fulfillment_item

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.graphql import Check


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
    title=f"bulkCreateFulfillments of {BULK_MAX} orders",
    query=BULK_CREATE_FULFILLMENTS,
    check=_check_bulk_fulfillments,
    variables=_pool_slices,
    writes=True,
)

SCENARIOS = (ORDERS_PAGE, PAID_FULFILLED_PAGE, BULK_FULFILLMENTS)


def by_slug(slug: str) -> Scenario:
    """The scenario called `slug`; raises KeyError for an unknown one."""
    return {scenario.slug: scenario for scenario in SCENARIOS}[slug]
