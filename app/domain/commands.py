"""What a client asks for, as plain values: the service builds these from GraphQL input.

Patches distinguish an omitted field (`UNSET`: keep) from an explicit null (`None`: clear).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Final, TypeAlias, TypeVar, Union

from app.domain.model import (
    Address,
    Buyer,
    FulfillmentLine,
    OrderStatus,
    ShipmentStatus,
    ShippingLine,
    TrackingInfo,
    TransactionStatus,
)

if TYPE_CHECKING:
    from datetime import datetime


class Unset(Enum):
    """The type of `UNSET`."""

    UNSET = "UNSET"


UNSET: Final = Unset.UNSET
T = TypeVar("T")
Patch: TypeAlias = Union[T, Unset]  # noqa: UP007  (a generic alias needs Union)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: the API client's name, or "system"."""

    name: str = "system"


@dataclass(frozen=True, slots=True)
class LineItemDraft:
    product_name: str
    quantity: int
    price: Decimal
    discount: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    sku: str | None = None
    catalog_item_id: str | None = None
    image_url: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    amount: Decimal
    method: str
    status: TransactionStatus = TransactionStatus.APPROVED
    provider_transaction_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CreateOrder:
    currency: str
    line_items: tuple[LineItemDraft, ...]
    source: str = "local"
    status: OrderStatus = OrderStatus.APPROVED
    external_id: str | None = None
    buyer: Buyer | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    shipping_line: ShippingLine | None = None
    discount: Decimal | None = None
    note: str | None = None
    payments: tuple[PaymentDraft, ...] = ()
    custom_status_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateOrder:
    buyer: Patch[Buyer | None] = UNSET
    billing_address: Patch[Address | None] = UNSET
    shipping_address: Patch[Address | None] = UNSET
    shipping_line: Patch[ShippingLine | None] = UNSET
    discount: Patch[Decimal | None] = UNSET
    note: Patch[str | None] = UNSET
    external_id: Patch[str | None] = UNSET

    def changed(self) -> dict[str, object]:
        """The fields the client gave, by name."""
        return {name: value for name in self.__slots__ if (value := getattr(self, name)) is not UNSET}


@dataclass(frozen=True, slots=True)
class UpdateLineItem:
    product_name: Patch[str] = UNSET
    sku: Patch[str | None] = UNSET
    quantity: Patch[int] = UNSET
    price: Patch[Decimal] = UNSET
    discount: Patch[Decimal] = UNSET
    tax_rate: Patch[Decimal] = UNSET


@dataclass(frozen=True, slots=True)
class PaymentRef:
    """One payment of one order, as bulk payment operations name them."""

    order_id: str
    payment_id: str


@dataclass(frozen=True, slots=True)
class FulfillmentDraft:
    lines: tuple[FulfillmentLine, ...]
    tracking: TrackingInfo | None = None
    status: ShipmentStatus = ShipmentStatus.PENDING


@dataclass(frozen=True, slots=True)
class UpdateFulfillment:
    status: Patch[ShipmentStatus | None] = UNSET
    tracking: Patch[TrackingInfo | None] = UNSET


@dataclass(frozen=True, slots=True)
class BulkFulfillment:
    """One item of a bulk fulfillment request."""

    order_id: str
    fulfillment: FulfillmentDraft


@dataclass(frozen=True, slots=True)
class DefineStatus:
    name: str
    color: str | None = None
    source: str = "local"


@dataclass(frozen=True, slots=True)
class IdempotentCreate:
    """A create with the client's idempotency key and the fingerprint of its (defaulted) input."""

    command: CreateOrder
    key: str | None = None
    fingerprint: str = field(default="")
