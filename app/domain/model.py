"""The order aggregate as plain dataclasses: what every backend reads and writes.

`Order` is the header the API lists and sorts (with its derived totals and statuses); `OrderAggregate` adds
the child collections the rules need to decide a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


class OrderStatus(StrEnum):
    INITIALIZED = "INITIALIZED"
    APPROVED = "APPROVED"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"


class PaymentStatus(StrEnum):
    NOT_PAID = "NOT_PAID"
    PENDING = "PENDING"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    FULLY_REFUNDED = "FULLY_REFUNDED"


class FulfillmentStatus(StrEnum):
    NOT_FULFILLED = "NOT_FULFILLED"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"
    FULFILLED = "FULFILLED"


class DeliveryStatus(StrEnum):
    NOT_SHIPPED = "NOT_SHIPPED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"


class TransactionStatus(StrEnum):
    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    CANCELED = "CANCELED"
    VOIDED = "VOIDED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


class ShipmentStatus(StrEnum):
    PENDING = "PENDING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"


class HistoryKind(StrEnum):
    ORDER_CREATED = "ORDER_CREATED"
    ORDER_UPDATED = "ORDER_UPDATED"
    ORDER_APPROVED = "ORDER_APPROVED"
    ORDER_CANCELED = "ORDER_CANCELED"
    ORDER_COMPLETED = "ORDER_COMPLETED"
    STATUS_CHANGED = "STATUS_CHANGED"
    LINE_ITEMS_CHANGED = "LINE_ITEMS_CHANGED"
    PAYMENT_ADDED = "PAYMENT_ADDED"
    PAYMENT_STATUS_CHANGED = "PAYMENT_STATUS_CHANGED"
    REFUNDED = "REFUNDED"
    FULFILLMENT_CREATED = "FULFILLMENT_CREATED"
    FULFILLMENT_UPDATED = "FULFILLMENT_UPDATED"
    FULFILLMENT_DELETED = "FULFILLMENT_DELETED"
    TRACKING_ADDED = "TRACKING_ADDED"
    NOTE = "NOTE"


class EventType(StrEnum):
    ORDER_CREATED = "ORDER_CREATED"
    ORDER_APPROVED = "ORDER_APPROVED"
    ORDER_UPDATED = "ORDER_UPDATED"
    ORDER_CANCELED = "ORDER_CANCELED"
    ORDER_COMPLETED = "ORDER_COMPLETED"
    TRANSACTIONS_UPDATED = "TRANSACTIONS_UPDATED"
    FULFILLMENTS_UPDATED = "FULFILLMENTS_UPDATED"


@dataclass(frozen=True, slots=True)
class Buyer:
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country_code: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class ShippingLine:
    title: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class CustomStatus:
    id: str
    name: str
    color: str | None = None


@dataclass(frozen=True, slots=True)
class LineItem:
    id: str
    product_name: str
    quantity: int
    price: Decimal
    discount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    total_price: Decimal
    sku: str | None = None
    catalog_item_id: str | None = None
    image_url: str | None = None
    fulfilled_quantity: int = 0


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    amount: Decimal
    method: str
    status: TransactionStatus
    created_at: datetime
    updated_at: datetime
    provider_transaction_id: str | None = None
    refunded_amount: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class TrackingInfo:
    tracking_number: str
    shipping_provider: str
    tracking_link: str | None = None


@dataclass(frozen=True, slots=True)
class FulfillmentLine:
    line_item_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Fulfillment:
    id: str
    status: ShipmentStatus
    lines: tuple[FulfillmentLine, ...]
    created_at: datetime
    updated_at: datetime
    tracking: TrackingInfo | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    kind: HistoryKind
    message: str
    author: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PriceSummary:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Balance:
    paid: Decimal
    refunded: Decimal
    due: Decimal


@dataclass(frozen=True, slots=True)
class Order:
    """The order header with its derived totals and statuses (no child collections)."""

    id: str
    number: str
    source: str
    status: OrderStatus
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
    delivery_status: DeliveryStatus
    currency: str
    price_summary: PriceSummary
    balance: Balance
    revision: int
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    custom_status_id: str | None = None
    buyer: Buyer | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    shipping_line: ShippingLine | None = None
    discount: Decimal | None = None
    note: str | None = None


@dataclass(slots=True)
class OrderAggregate:
    """An order with everything the rules look at when they decide a change."""

    order: Order
    line_items: list[LineItem] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    fulfillments: list[Fulfillment] = field(default_factory=list)
