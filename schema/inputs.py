"""GraphQL inputs and their conversion to domain commands (shape only: the rules live in app.domain)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import strawberry

from app.domain import commands, events, listing, model
from app.domain.commands import UNSET
from schema.types.enums import (
    FulfillmentStatus,
    OrderEventType,
    OrderSortField,
    OrderStatus,
    PaymentStatus,
    ShipmentStatus,
    SortDirection,
    TransactionStatus,
)

T = TypeVar("T")

OMITTED: Any = strawberry.UNSET


def opt(value: T | None) -> T | None:
    """A value Strawberry left UNSET (the client omitted it) as None."""
    return None if value is OMITTED else value


def plain(obj: object) -> dict[str, Any]:
    """An input's fields by name, omitted ones as None."""
    return {name: opt(value) for name, value in vars(obj).items()}


def _patch(value: object) -> Any:
    """Strawberry's Maybe (None = omitted, Some(x) = given, possibly null) as a domain patch value."""
    return UNSET if value is None else value.value  # type: ignore[attr-defined]


@strawberry.input
class BuyerInput:
    email: str | None = OMITTED
    first_name: str | None = OMITTED
    last_name: str | None = OMITTED
    phone: str | None = OMITTED
    customer_id: str | None = OMITTED

    def to_domain(self) -> model.Buyer:
        return model.Buyer(**plain(self))


@strawberry.input
class AddressInput:
    first_name: str | None = OMITTED
    last_name: str | None = OMITTED
    company: str | None = OMITTED
    line1: str | None = OMITTED
    line2: str | None = OMITTED
    city: str | None = OMITTED
    postal_code: str | None = OMITTED
    region: str | None = OMITTED
    country_code: str | None = OMITTED
    phone: str | None = OMITTED

    def to_domain(self) -> model.Address:
        return model.Address(**plain(self))


@strawberry.input
class ShippingLineInput:
    title: str
    price: Decimal

    def to_domain(self) -> model.ShippingLine:
        return model.ShippingLine(self.title, self.price)


@strawberry.input
class LineItemInput:
    product_name: str
    quantity: int
    price: Decimal
    sku: str | None = OMITTED
    catalog_item_id: str | None = OMITTED
    image_url: str | None = OMITTED
    discount: Decimal | None = strawberry.field(default_factory=lambda: Decimal("0"))
    tax_rate: Decimal | None = strawberry.field(default_factory=lambda: Decimal("0"))

    def to_domain(self) -> commands.LineItemDraft:
        values = plain(self)
        for name in ("discount", "tax_rate"):
            values[name] = values[name] or Decimal(0)
        return commands.LineItemDraft(**values)


@strawberry.input
class PaymentInput:
    amount: Decimal = strawberry.field(description="Greater than zero.")
    method: str = strawberry.field(description="Not blank.")
    status: TransactionStatus | None = model.TransactionStatus.APPROVED
    provider_transaction_id: str | None = OMITTED
    created_at: datetime | None = OMITTED

    def to_domain(self) -> commands.PaymentDraft:
        values = plain(self)
        values["status"] = values["status"] or model.TransactionStatus.APPROVED
        return commands.PaymentDraft(**values)


@strawberry.input
class CreateOrderInput:
    currency: str = strawberry.field(description="ISO 4217, validated.")
    line_items: list[LineItemInput]
    source: str | None = strawberry.field(default="local", description="Which backend creates the order.")
    status: OrderStatus | None = model.OrderStatus.APPROVED
    external_id: str | None = OMITTED
    buyer: BuyerInput | None = OMITTED
    billing_address: AddressInput | None = OMITTED
    shipping_address: AddressInput | None = OMITTED
    shipping_line: ShippingLineInput | None = OMITTED
    discount: Decimal | None = OMITTED
    note: str | None = OMITTED
    payments: list[PaymentInput] | None = OMITTED
    custom_status_id: strawberry.ID | None = OMITTED

    def to_domain(self) -> commands.CreateOrder:
        return commands.CreateOrder(
            currency=self.currency,
            line_items=tuple(x.to_domain() for x in self.line_items),
            source=self.source or "local",
            status=self.status or model.OrderStatus.APPROVED,
            external_id=opt(self.external_id),
            buyer=self.buyer.to_domain() if self.buyer else None,
            billing_address=self.billing_address.to_domain() if self.billing_address else None,
            shipping_address=self.shipping_address.to_domain() if self.shipping_address else None,
            shipping_line=self.shipping_line.to_domain() if self.shipping_line else None,
            discount=opt(self.discount),
            note=opt(self.note),
            payments=tuple(p.to_domain() for p in self.payments or ()),
            custom_status_id=opt(self.custom_status_id),
        )


def _converted(value: strawberry.Maybe[Any]) -> Any:
    raw = _patch(value)
    to_domain = getattr(raw, "to_domain", None)
    return to_domain() if to_domain else raw


@strawberry.input
class UpdateOrderInput:
    buyer: strawberry.Maybe[BuyerInput | None]
    billing_address: strawberry.Maybe[AddressInput | None]
    shipping_address: strawberry.Maybe[AddressInput | None]
    shipping_line: strawberry.Maybe[ShippingLineInput | None]
    discount: strawberry.Maybe[Decimal | None]
    note: strawberry.Maybe[str | None]
    external_id: strawberry.Maybe[str | None]

    def to_domain(self) -> commands.UpdateOrder:
        return commands.UpdateOrder(
            **{
                name: _converted(getattr(self, name))
                for name in (
                    "buyer",
                    "billing_address",
                    "shipping_address",
                    "shipping_line",
                    "discount",
                    "note",
                    "external_id",
                )
            }
        )


@strawberry.input
class UpdateLineItemInput:
    product_name: str | None = OMITTED
    sku: strawberry.Maybe[str | None]
    quantity: int | None = OMITTED
    price: Decimal | None = OMITTED
    discount: Decimal | None = OMITTED
    tax_rate: Decimal | None = OMITTED

    def to_domain(self) -> commands.UpdateLineItem:
        def given(value: object) -> Any:
            return UNSET if opt(value) is None else value

        return commands.UpdateLineItem(
            product_name=given(self.product_name),
            sku=_patch(self.sku),
            quantity=given(self.quantity),
            price=given(self.price),
            discount=given(self.discount),
            tax_rate=given(self.tax_rate),
        )


@strawberry.input
class CustomOrderStatusInput:
    name: str
    color: str | None = OMITTED
    source: str | None = strawberry.field(default="local", description="Which backend defines the status.")


@strawberry.input
class HistoryInput:
    message: str


@strawberry.input
class TrackingInput:
    tracking_number: str
    shipping_provider: str
    tracking_link: str | None = OMITTED

    def to_domain(self) -> model.TrackingInfo:
        return model.TrackingInfo(self.tracking_number, self.shipping_provider, opt(self.tracking_link))


@strawberry.input
class OrderPaymentRef:
    order_id: strawberry.ID
    payment_id: strawberry.ID

    def to_domain(self) -> commands.PaymentRef:
        return commands.PaymentRef(self.order_id, self.payment_id)


@strawberry.input
class FulfillmentLineItemInput:
    line_item_id: strawberry.ID
    quantity: int


@strawberry.input
class FulfillmentInput:
    line_items: list[FulfillmentLineItemInput]
    tracking_info: TrackingInput | None = OMITTED
    status: ShipmentStatus | None = model.ShipmentStatus.PENDING

    def to_domain(self) -> commands.FulfillmentDraft:
        tracking = opt(self.tracking_info)
        return commands.FulfillmentDraft(
            lines=tuple(model.FulfillmentLine(x.line_item_id, x.quantity) for x in self.line_items),
            tracking=tracking.to_domain() if tracking else None,
            status=self.status or model.ShipmentStatus.PENDING,
        )


@strawberry.input
class UpdateFulfillmentInput:
    status: strawberry.Maybe[ShipmentStatus | None]
    tracking_info: strawberry.Maybe[TrackingInput | None]

    def to_domain(self) -> commands.UpdateFulfillment:
        return commands.UpdateFulfillment(status=_patch(self.status), tracking=_converted(self.tracking_info))


@strawberry.input
class BulkFulfillmentInput:
    order_id: strawberry.ID
    fulfillment: FulfillmentInput

    def to_domain(self) -> commands.BulkFulfillment:
        return commands.BulkFulfillment(self.order_id, self.fulfillment.to_domain())


@strawberry.input
class OrderFilter:
    source: str | None = strawberry.field(default="local", description="Which backend to list.")
    ids: list[strawberry.ID] | None = OMITTED
    numbers: list[str] | None = OMITTED
    external_id: str | None = OMITTED
    status: list[OrderStatus] | None = OMITTED
    payment_status: list[PaymentStatus] | None = OMITTED
    fulfillment_status: list[FulfillmentStatus] | None = OMITTED
    custom_status_id: strawberry.ID | None = OMITTED
    buyer_email: str | None = OMITTED
    created_after: datetime | None = OMITTED
    created_before: datetime | None = OMITTED
    updated_after: datetime | None = OMITTED
    query: str | None = OMITTED
    customer_id: str | None = strawberry.field(default=OMITTED, description="The buyer's customerId.")
    tracking_number: str | None = strawberry.field(
        default=OMITTED, description="Orders with a shipment of this tracking number."
    )

    def to_domain(self) -> listing.OrderFilter:
        values = plain(self)
        for name in ("ids", "numbers", "status", "payment_status", "fulfillment_status"):
            if values[name] is not None:
                values[name] = tuple(values[name])
        values["source"] = values["source"] or "local"
        return listing.OrderFilter(**values)


@strawberry.input
class OrderSort:
    field: OrderSortField = listing.SortField.CREATED_AT
    direction: SortDirection = SortDirection.DESC

    def to_domain(self) -> listing.OrderSort:
        return listing.OrderSort(listing.SortField(self.field), self.direction is SortDirection.DESC)


@strawberry.input
class OrderEventFilter:
    order_ids: list[strawberry.ID] | None = OMITTED
    types: list[OrderEventType] | None = OMITTED

    def to_domain(self) -> events.EventFilter:
        return events.EventFilter.of(opt(self.order_ids), opt(self.types))
