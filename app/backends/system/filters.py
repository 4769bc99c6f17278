"""The contract's order filter and sort as `GET /System/Orders` query parameters, where Retailys has them.

Retailys filters by customer, custom status, the done/canceled flags, order date (from/to) and tracking
number, and lists newest first with no sort parameter. Lifecycle statuses become the flags (CANCELED =
canceled; COMPLETED = done and not canceled; APPROVED = neither; INITIALIZED never happens); a set of
statuses the flags cannot express, any other filter and any other sort are UNSUPPORTED_BY_BACKEND.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.backends.system import mapping
from app.domain.errors import NotFound, Unsupported
from app.domain.listing import OrderSort, SortField
from app.domain.model import OrderStatus

if TYPE_CHECKING:
    from app.domain.listing import OrderFilter

S = OrderStatus
UNSUPPORTED_FILTERS = {
    "ids": "ids",
    "numbers": "numbers",
    "external_id": "externalId",
    "payment_status": "paymentStatus",
    "fulfillment_status": "fulfillmentStatus",
    "buyer_email": "buyerEmail",
    "updated_after": "updatedAfter",
    "query": "query",
}
NEWEST_FIRST = OrderSort(SortField.CREATED_AT, descending=True)

# the sets of lifecycle statuses the flags can select, as (done, canceled) parameters
_BY_STATUSES: dict[frozenset[OrderStatus], dict[str, str]] = {
    frozenset({S.CANCELED}): {"canceled": "true"},
    frozenset({S.COMPLETED}): {"done": "true", "canceled": "false"},
    frozenset({S.APPROVED}): {"done": "false", "canceled": "false"},
    frozenset({S.APPROVED, S.COMPLETED}): {"canceled": "false"},
    frozenset({S.APPROVED, S.COMPLETED, S.CANCELED}): {},
}


def check_sort(sort: OrderSort) -> None:
    if sort != NEWEST_FIRST:
        raise Unsupported("the Retailys backend lists orders newest first (CREATED_AT DESC) only", ("sort",))


def query_params(f: OrderFilter) -> dict[str, str] | None:
    """The query parameters of `f`, or None when it can match no order; UNSUPPORTED for the rest."""
    unsupported = [name for attr, name in UNSUPPORTED_FILTERS.items() if getattr(f, attr) is not None]
    if unsupported:
        raise Unsupported(
            f"the Retailys backend cannot filter by {', '.join(unsupported)}", ("filter", unsupported[0])
        )
    params: dict[str, str] = {}
    if f.status is not None:
        statuses = frozenset(f.status) - {S.INITIALIZED}
        if not statuses:
            return None
        if statuses not in _BY_STATUSES:
            names = ", ".join(sorted(statuses))
            raise Unsupported(
                f"the Retailys backend cannot filter by the statuses {names} together", ("filter", "status")
            )
        params.update(_BY_STATUSES[statuses])
    if f.custom_status_id is not None:
        try:
            params["status_id"] = str(mapping.native_id(f.custom_status_id, "OrderStatus"))
        except NotFound:
            return None
    if f.customer_id is not None:
        params["customer_id"] = f.customer_id
    if f.tracking_number is not None:
        params["tracking"] = f.tracking_number
    if f.created_after is not None:
        params["from"] = mapping.wire_time(f.created_after)
    if f.created_before is not None:
        params["to"] = mapping.wire_time(f.created_before)
    return params
