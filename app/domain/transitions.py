"""The order lifecycle as one table, and which operations each status still allows."""

from __future__ import annotations

from enum import StrEnum

from app.domain.errors import bad_transition
from app.domain.model import OrderStatus

S = OrderStatus

LIFECYCLE: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.INITIALIZED: frozenset({S.APPROVED, S.CANCELED}),
    S.APPROVED: frozenset({S.COMPLETED, S.CANCELED}),
    S.COMPLETED: frozenset(),
    S.CANCELED: frozenset(),
}
TERMINAL = frozenset(s for s, targets in LIFECYCLE.items() if not targets)


class Operation(StrEnum):
    """Kinds of change, as the lifecycle rules group them."""

    DETAILS = "change the order's details"
    LINE_ITEMS = "change line items"
    HISTORY = "add history"
    CUSTOM_STATUS = "set a custom status"
    ADD_PAYMENT = "add payments"
    PAYMENT_STATUS = "change a payment's status"
    REFUND = "refund a payment"
    CREATE_FULFILLMENT = "create a fulfillment"
    UPDATE_FULFILLMENT = "update a fulfillment"
    DELETE_FULFILLMENT = "delete a fulfillment"


ALLOWED_WHEN_CANCELED = frozenset(
    {Operation.HISTORY, Operation.CUSTOM_STATUS, Operation.PAYMENT_STATUS, Operation.REFUND}
)
REFUSED_WHEN_COMPLETED = frozenset(
    {Operation.LINE_ITEMS, Operation.CREATE_FULFILLMENT, Operation.DELETE_FULFILLMENT}
)


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Raises INVALID_TRANSITION unless the lifecycle table allows current → target."""
    if target not in LIFECYCLE[current]:
        raise bad_transition(f"an order cannot go from {current} to {target}")


def check_allowed(status: OrderStatus, operation: Operation) -> None:
    """Raises INVALID_TRANSITION when an order in `status` refuses `operation`."""
    if status is S.CANCELED and operation not in ALLOWED_WHEN_CANCELED:
        raise bad_transition(f"a CANCELED order cannot {operation}")
    if status is S.COMPLETED and operation in REFUSED_WHEN_COMPLETED:
        raise bad_transition(f"a COMPLETED order cannot {operation}")
