"""Rows of the local store ⇄ domain objects (money as minor units, JSON parts as dicts)."""

from __future__ import annotations

from dataclasses import asdict, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.domain.listing import search_words
from app.domain.model import (
    Address,
    Balance,
    Buyer,
    CustomStatus,
    DeliveryStatus,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    HistoryEntry,
    HistoryKind,
    LineItem,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    PriceSummary,
    ShipmentStatus,
    ShippingLine,
    TrackingInfo,
    TransactionStatus,
)
from app.domain.money import from_minor, to_minor

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import RowMapping

    from app.domain.model import OrderAggregate

SOURCE = "local"


def _part(cls: type[Any], data: dict[str, Any] | None) -> Any:
    return cls(**{f.name: data.get(f.name) for f in fields(cls)}) if data else None


def _dump(value: Buyer | Address | None) -> dict[str, Any] | None:
    return {k: v for k, v in asdict(value).items() if v is not None} if value else None


def order_from_row(row: RowMapping) -> Order:
    cur: str = row["currency"]
    m = from_minor
    shipping = None
    if row["shipping_title"] is not None:
        shipping = ShippingLine(row["shipping_title"], m(row["shipping_price"], cur))
    return Order(
        id=row["id"],
        number=str(row["number"]),
        source=SOURCE,
        status=OrderStatus(row["status"]),
        payment_status=PaymentStatus(row["payment_status"]),
        fulfillment_status=FulfillmentStatus(row["fulfillment_status"]),
        delivery_status=DeliveryStatus(row["delivery_status"]),
        currency=cur,
        price_summary=PriceSummary(
            m(row["subtotal"], cur),
            m(row["discount_total"], cur),
            m(row["shipping_total"], cur),
            m(row["tax"], cur),
            m(row["total"], cur),
        ),
        balance=Balance(m(row["paid"], cur), m(row["refunded"], cur), m(row["due"], cur)),
        revision=row["revision"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        external_id=row["external_id"],
        custom_status_id=row["custom_status_id"],
        buyer=_part(Buyer, row["buyer"]),
        billing_address=_part(Address, row["billing_address"]),
        shipping_address=_part(Address, row["shipping_address"]),
        shipping_line=shipping,
        discount=None if row["discount"] is None else m(row["discount"], cur),
        note=row["note"],
    )


def order_words(agg: OrderAggregate) -> list[str]:
    """The words free-text search matches the start of, each once: number, buyer names and email, product
    names."""
    order = agg.order
    parts = [order.number]
    if order.buyer:
        parts += [order.buyer.first_name or "", order.buyer.last_name or "", order.buyer.email or ""]
    parts += [line.product_name for line in agg.line_items]
    return list(dict.fromkeys(search_words(" ".join(parts))))


def search_text(agg: OrderAggregate) -> str:
    """The order's words as one text, each after a space."""
    return " " + " ".join(order_words(agg))


def order_to_row(agg: OrderAggregate) -> dict[str, Any]:
    order, cur = agg.order, agg.order.currency
    ps, bal = order.price_summary, order.balance
    return {
        "id": order.id,
        "number": int(order.number),
        "external_id": order.external_id,
        "status": order.status.value,
        "payment_status": order.payment_status.value,
        "fulfillment_status": order.fulfillment_status.value,
        "delivery_status": order.delivery_status.value,
        "custom_status_id": order.custom_status_id,
        "currency": cur,
        "buyer": _dump(order.buyer),
        "buyer_email": order.buyer.email.lower() if order.buyer and order.buyer.email else None,
        "buyer_customer_id": order.buyer.customer_id if order.buyer else None,
        "billing_address": _dump(order.billing_address),
        "shipping_address": _dump(order.shipping_address),
        "shipping_title": order.shipping_line.title if order.shipping_line else None,
        "shipping_price": to_minor(order.shipping_line.price, cur) if order.shipping_line else None,
        "discount": None if order.discount is None else to_minor(order.discount, cur),
        "note": order.note,
        "subtotal": to_minor(ps.subtotal, cur),
        "discount_total": to_minor(ps.discount, cur),
        "shipping_total": to_minor(ps.shipping, cur),
        "tax": to_minor(ps.tax, cur),
        "total": to_minor(ps.total, cur),
        "paid": to_minor(bal.paid, cur),
        "refunded": to_minor(bal.refunded, cur),
        "due": to_minor(bal.due, cur),
        "revision": order.revision,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "search_text": search_text(agg),
    }


def line_from_row(row: RowMapping, cur: str) -> LineItem:
    return LineItem(
        id=row["id"],
        product_name=row["product_name"],
        quantity=row["quantity"],
        price=from_minor(row["price"], cur),
        discount=from_minor(row["discount"], cur),
        tax_rate=Decimal(row["tax_rate"]),
        tax_amount=from_minor(row["tax_amount"], cur),
        total_price=from_minor(row["total_price"], cur),
        sku=row["sku"],
        catalog_item_id=row["catalog_item_id"],
        image_url=row["image_url"],
        fulfilled_quantity=row["fulfilled_quantity"],
    )


def line_to_row(line: LineItem, order_id: str, cur: str) -> dict[str, Any]:
    return {
        "id": line.id,
        "order_id": order_id,
        "product_name": line.product_name,
        "sku": line.sku,
        "catalog_item_id": line.catalog_item_id,
        "image_url": line.image_url,
        "quantity": line.quantity,
        "fulfilled_quantity": line.fulfilled_quantity,
        "price": to_minor(line.price, cur),
        "discount": to_minor(line.discount, cur),
        "tax_rate": str(line.tax_rate),
        "tax_amount": to_minor(line.tax_amount, cur),
        "total_price": to_minor(line.total_price, cur),
    }


def payment_from_row(row: RowMapping, cur: str) -> Payment:
    return Payment(
        id=row["id"],
        amount=from_minor(row["amount"], cur),
        method=row["method"],
        status=TransactionStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        provider_transaction_id=row["provider_transaction_id"],
        refunded_amount=from_minor(row["refunded_amount"], cur),
    )


def payment_to_row(payment: Payment, order_id: str, cur: str) -> dict[str, Any]:
    return {
        "id": payment.id,
        "order_id": order_id,
        "amount": to_minor(payment.amount, cur),
        "refunded_amount": to_minor(payment.refunded_amount, cur),
        "method": payment.method,
        "status": payment.status.value,
        "provider_transaction_id": payment.provider_transaction_id,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }


def fulfillment_from_row(row: RowMapping) -> Fulfillment:
    tracking = None
    if row["tracking_number"] is not None:
        tracking = TrackingInfo(row["tracking_number"], row["shipping_provider"], row["tracking_link"])
    return Fulfillment(
        id=row["id"],
        status=ShipmentStatus(row["status"]),
        lines=tuple(FulfillmentLine(line_id, qty) for line_id, qty in row["lines"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        tracking=tracking,
    )


def fulfillment_to_row(f: Fulfillment, order_id: str) -> dict[str, Any]:
    return {
        "id": f.id,
        "order_id": order_id,
        "status": f.status.value,
        "lines": [[fl.line_item_id, fl.quantity] for fl in f.lines],
        "tracking_number": f.tracking.tracking_number if f.tracking else None,
        "shipping_provider": f.tracking.shipping_provider if f.tracking else None,
        "tracking_link": f.tracking.tracking_link if f.tracking else None,
        "created_at": f.created_at,
        "updated_at": f.updated_at,
    }


def history_from_row(row: RowMapping) -> HistoryEntry:
    return HistoryEntry(row["id"], HistoryKind(row["kind"]), row["message"], row["author"], row["created_at"])


def history_to_rows(entries: Iterable[HistoryEntry], order_id: str, revision: int) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "order_id": order_id,
            "revision": revision,
            "ordinal": i,
            "kind": e.kind.value,
            "message": e.message,
            "author": e.author,
            "created_at": e.created_at,
        }
        for i, e in enumerate(entries)
    ]


def status_from_row(row: RowMapping) -> CustomStatus:
    return CustomStatus(row["id"], row["name"], row["color"])
