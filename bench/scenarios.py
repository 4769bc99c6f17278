"""The measured requests, each with a check that the captured response holds what it should."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench import BenchError
from bench.seed import LINES_PER_ORDER

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class Scenario:
    """One GraphQL request, measured repeatedly."""

    slug: str
    title: str
    query: str
    check: Callable[[dict[str, Any]], None]


def _check_orders_page(document: dict[str, Any]) -> None:
    edges = document["data"]["orders"]["edges"]
    if len(edges) != 50:
        raise BenchError(f"expected 50 orders in the page, got {len(edges)}")
    short = [edge["node"]["number"] for edge in edges if len(edge["node"]["lineItems"]) != LINES_PER_ORDER]
    if short:
        raise BenchError(f"orders without {LINES_PER_ORDER} line items: {short[:5]}")


ORDERS_PAGE = Scenario(
    slug="orders-page-50-nested-lines",
    title="orders page of 50 with nested lines",
    query=(
        "{ orders(first: 50) { edges { node { id number status currency buyer { email } "
        "priceSummary { total } lineItems { id productName quantity price totalPrice } } } } }"
    ),
    check=_check_orders_page,
)

SCENARIOS = (ORDERS_PAGE,)
