"""The order and everything shown inside it; nested lists resolve through the request's DataLoaders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import strawberry

from app.domain import ids
from schema.context import Info
from schema.types.enums import (
    DeliveryStatus,
    FulfillmentStatus,
    HistoryKind,
    OrderStatus,
    PaymentStatus,
    ShipmentStatus,
    TransactionStatus,
)

if TYPE_CHECKING:
    from app.domain import model


@strawberry.type
class Buyer:
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    customer_id: str | None

    @classmethod
    def from_domain(cls, b: model.Buyer | None) -> Buyer | None:
        return (
            cls(
                email=b.email,
                first_name=b.first_name,
                last_name=b.last_name,
                phone=b.phone,
                customer_id=b.customer_id,
            )
            if b
            else None
        )


@strawberry.type
class Address:
    first_name: str | None
    last_name: str | None
    company: str | None
    line1: str | None
    line2: str | None
    city: str | None
    postal_code: str | None
    region: str | None
    country_code: str | None = strawberry.field(description="ISO 3166-1 alpha-2, validated.")
    phone: str | None

    @classmethod
    def from_domain(cls, a: model.Address | None) -> Address | None:
        if a is None:
            return None
        return cls(
            first_name=a.first_name,
            last_name=a.last_name,
            company=a.company,
            line1=a.line1,
            line2=a.line2,
            city=a.city,
            postal_code=a.postal_code,
            region=a.region,
            country_code=a.country_code,
            phone=a.phone,
        )


@strawberry.type
class ShippingLine:
    title: str
    price: Decimal


@strawberry.type
class CustomOrderStatus:
    id: strawberry.ID
    name: str
    color: str | None
    source: str = strawberry.field(description="The backend the status belongs to.")

    @classmethod
    def from_domain(cls, s: model.CustomStatus) -> CustomOrderStatus:
        return cls(id=strawberry.ID(s.id), name=s.name, color=s.color, source=ids.source_of(s.id) or "local")


@strawberry.type
class LineItem:
    id: strawberry.ID
    product_name: str
    sku: str | None
    catalog_item_id: str | None
    image_url: str | None
    quantity: int
    fulfilled_quantity: int
    price: Decimal = strawberry.field(description="Unit price before discount and tax.")
    discount: Decimal = strawberry.field(description="Discount on the whole line.")
    tax_rate: Decimal
    tax_amount: Decimal
    total_price: Decimal

    @classmethod
    def from_domain(cls, x: model.LineItem) -> LineItem:
        return cls(
            id=strawberry.ID(x.id),
            product_name=x.product_name,
            sku=x.sku,
            catalog_item_id=x.catalog_item_id,
            image_url=x.image_url,
            quantity=x.quantity,
            fulfilled_quantity=x.fulfilled_quantity,
            price=x.price,
            discount=x.discount,
            tax_rate=x.tax_rate,
            tax_amount=x.tax_amount,
            total_price=x.total_price,
        )


@strawberry.type
class PriceSummary:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal


@strawberry.type
class OrderBalance:
    paid: Decimal
    refunded: Decimal
    due: Decimal


@strawberry.type
class Payment:
    id: strawberry.ID
    amount: Decimal
    method: str
    status: TransactionStatus
    provider_transaction_id: str | None
    refunded_amount: Decimal
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, p: model.Payment) -> Payment:
        return cls(
            id=strawberry.ID(p.id),
            amount=p.amount,
            method=p.method,
            status=p.status,
            provider_transaction_id=p.provider_transaction_id,
            refunded_amount=p.refunded_amount,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


@strawberry.type
class TrackingInfo:
    tracking_number: str
    shipping_provider: str
    tracking_link: str | None


@strawberry.type
class FulfillmentLineItem:
    line_item_id: strawberry.ID
    quantity: int
    order_id: strawberry.Private[str]

    @strawberry.field
    async def line_item(self, info: Info) -> LineItem | None:
        for line in await info.context.loaders.line_items_by_order_id.load(self.order_id):
            if line.id == self.line_item_id:
                return LineItem.from_domain(line)
        return None


@strawberry.type
class Fulfillment:
    id: strawberry.ID
    status: ShipmentStatus
    line_items: list[FulfillmentLineItem]
    tracking_info: TrackingInfo | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, f: model.Fulfillment, order_id: str) -> Fulfillment:
        t = f.tracking
        return cls(
            id=strawberry.ID(f.id),
            status=f.status,
            line_items=[
                FulfillmentLineItem(
                    line_item_id=strawberry.ID(fl.line_item_id), quantity=fl.quantity, order_id=order_id
                )
                for fl in f.lines
            ],
            tracking_info=TrackingInfo(
                tracking_number=t.tracking_number,
                shipping_provider=t.shipping_provider,
                tracking_link=t.tracking_link,
            )
            if t
            else None,
            created_at=f.created_at,
            updated_at=f.updated_at,
        )


@strawberry.type
class HistoryEntry:
    id: strawberry.ID
    kind: HistoryKind
    message: str
    author: str | None
    created_at: datetime

    @classmethod
    def from_domain(cls, h: model.HistoryEntry) -> HistoryEntry:
        return cls(
            id=strawberry.ID(h.id), kind=h.kind, message=h.message, author=h.author, created_at=h.created_at
        )


@strawberry.type
class Order:
    id: strawberry.ID
    number: str
    source: str
    external_id: str | None
    status: OrderStatus
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
    delivery_status: DeliveryStatus
    currency: str
    buyer: Buyer | None
    billing_address: Address | None
    shipping_address: Address | None
    shipping_line: ShippingLine | None
    note: str | None
    price_summary: PriceSummary
    balance: OrderBalance
    revision: int
    created_at: datetime
    updated_at: datetime
    custom_status_id: strawberry.Private[str | None]
    discount: Decimal | None = strawberry.field(
        description="The order-level discount, on top of line discounts."
    )

    @classmethod
    def from_domain(cls, o: model.Order) -> Order:
        ps, bal = o.price_summary, o.balance
        return cls(
            id=strawberry.ID(o.id),
            number=o.number,
            source=o.source,
            external_id=o.external_id,
            status=o.status,
            payment_status=o.payment_status,
            fulfillment_status=o.fulfillment_status,
            delivery_status=o.delivery_status,
            currency=o.currency,
            buyer=Buyer.from_domain(o.buyer),
            billing_address=Address.from_domain(o.billing_address),
            shipping_address=Address.from_domain(o.shipping_address),
            shipping_line=ShippingLine(title=o.shipping_line.title, price=o.shipping_line.price)
            if o.shipping_line
            else None,
            note=o.note,
            price_summary=PriceSummary(
                subtotal=ps.subtotal, discount=ps.discount, shipping=ps.shipping, tax=ps.tax, total=ps.total
            ),
            balance=OrderBalance(paid=bal.paid, refunded=bal.refunded, due=bal.due),
            revision=o.revision,
            created_at=o.created_at,
            updated_at=o.updated_at,
            custom_status_id=o.custom_status_id,
            discount=o.discount,
        )

    @strawberry.field
    async def custom_status(self, info: Info) -> CustomOrderStatus | None:
        if self.custom_status_id is None:
            return None
        status = await info.context.loaders.status_by_id.load(self.custom_status_id)
        return CustomOrderStatus.from_domain(status) if status else None

    @strawberry.field
    async def line_items(self, info: Info) -> list[LineItem]:
        return [
            LineItem.from_domain(x) for x in await info.context.loaders.line_items_by_order_id.load(self.id)
        ]

    @strawberry.field
    async def payments(self, info: Info) -> list[Payment]:
        return [Payment.from_domain(x) for x in await info.context.loaders.payments_by_order_id.load(self.id)]

    @strawberry.field
    async def fulfillments(self, info: Info) -> list[Fulfillment]:
        found = await info.context.loaders.fulfillments_by_order_id.load(self.id)
        return [Fulfillment.from_domain(x, self.id) for x in found]

    @strawberry.field(description="Every change to the order, oldest first; the first is ORDER_CREATED.")
    async def history(self, info: Info) -> list[HistoryEntry]:
        return [
            HistoryEntry.from_domain(x) for x in await info.context.loaders.history_by_order_id.load(self.id)
        ]
