"""What payment, fulfillment and bulk operations give back besides the order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.domain.errors import DomainError
    from app.domain.model import Fulfillment, Order, Payment


@dataclass(frozen=True, slots=True)
class PaymentsOutcome:
    """The order after the change and the payments the change created or changed."""

    order: Order
    payments: tuple[Payment, ...]


@dataclass(frozen=True, slots=True)
class FulfillmentOutcome:
    """The order after the change and the fulfillment concerned (as it was, when it was deleted)."""

    order: Order
    fulfillment: Fulfillment | None


@dataclass(frozen=True, slots=True)
class BulkItemOutcome:
    """One item of a bulk operation: it succeeded (order, id) or failed on its own (error)."""

    index: int
    order: Order | None = None
    id: str | None = None
    error: DomainError | None = None

    @property
    def success(self) -> bool:
        return self.error is None
