"""Wix JSON → domain objects: orders, line items, payments, fulfillments and activities (as history).

Wix ids become public ids of source `wix` (`ids.encode("wix", kind, native)`). A Wix document the gateway
cannot read raises `UpstreamError` (see `reading`), never a bare KeyError. Where Wix keeps no value the
contract has (a revision, what was refunded per order), the choice made is documented on the function.
"""

from __future__ import annotations

import re
from collections.abc import Iterator  # noqa: TC003  (contextmanager reads it)
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain import ids
from app.domain.errors import NotFound, UpstreamError
from app.domain.model import (
    Address,
    Balance,
    Buyer,
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
from app.domain.money import ZERO, quantize

SOURCE = "wix"
_WIX_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}\Z")  # GUIDs, and the placeholders of objects yet to create
Json = dict[str, Any]


def public(kind: str, native: str) -> str:
    return ids.encode(SOURCE, kind, native)


def native(public_id: str) -> str:
    """The Wix id inside one of our public ids; NOT_FOUND for anything that cannot be a Wix id (it goes
    into URL paths)."""
    found = key(public_id)
    if found is None:
        raise NotFound("no object has that id")
    return found


def key(public_id: str) -> str | None:
    """The Wix id inside a public id of source `wix`, or None (another source, or not a Wix id)."""
    try:
        parsed = ids.decode(public_id)
    except NotFound:
        return None
    return parsed.native if parsed.source == SOURCE and _WIX_ID.match(parsed.native) else None


@contextmanager
def reading(what: str) -> Iterator[None]:
    """Turns a malformed Wix document into UPSTREAM_ERROR."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as err:
        raise UpstreamError(f"Wix sent {what} the gateway cannot read ({type(err).__name__})") from err


def when(value: str | None) -> datetime:
    """A Wix timestamp (ISO-8601, `Z` for UTC) as an aware UTC datetime."""
    if not value:
        raise ValueError("missing timestamp")
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def amount(price: Json | None) -> Decimal:
    """The amount of a Wix `Price` (a decimal string); absent means zero."""
    if not price or price.get("amount") in (None, ""):
        return ZERO
    return Decimal(str(price["amount"]))


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def address(info: Json | None) -> Address | None:
    """An `AddressWithContact` as the contract's Address (street parts joined into line1)."""
    if not info:
        return None
    addr: Json = info.get("address") or {}
    contact: Json = info.get("contactDetails") or {}
    line1 = _opt(addr.get("addressLine"))
    street = addr.get("streetAddress") or {}
    if line1 is None and (street.get("name") or street.get("number")):
        line1 = " ".join(p for p in (street.get("name"), street.get("number")) if p)
    subdivision = _opt(addr.get("subdivision"))
    return Address(
        first_name=_opt(contact.get("firstName")),
        last_name=_opt(contact.get("lastName")),
        company=_opt(contact.get("company")),
        line1=line1,
        line2=_opt(addr.get("addressLine2")),
        city=_opt(addr.get("city")),
        postal_code=_opt(addr.get("postalCode")),
        region=subdivision.split("-", 1)[-1] if subdivision else None,
        country_code=_opt(addr.get("country")),
        phone=_opt(contact.get("phone")),
    )


def _buyer(doc: Json) -> Buyer | None:
    info: Json = doc.get("buyerInfo") or {}
    contact: Json = (doc.get("billingInfo") or {}).get("contactDetails") or {}
    buyer = Buyer(
        email=_opt(info.get("email")),
        first_name=_opt(contact.get("firstName")),
        last_name=_opt(contact.get("lastName")),
        phone=_opt(contact.get("phone")),
        customer_id=_opt(info.get("contactId")),
    )
    return buyer if buyer != Buyer() else None


def _shipping(doc: Json) -> tuple[Address | None, ShippingLine | None]:
    info: Json = doc.get("shippingInfo") or {}
    destination = (info.get("logistics") or {}).get("shippingDestination")
    addr = address(doc.get("recipientInfo")) or address(destination)
    line = None
    if info.get("title"):
        line = ShippingLine(title=info["title"], price=amount((info.get("cost") or {}).get("price")))
    return addr, line


def _global_discount(doc: Json) -> Decimal | None:
    found = [
        amount((d.get("merchantDiscount") or {}).get("amount"))
        for d in doc.get("appliedDiscounts") or []
        if d.get("discountType") == "GLOBAL" and d.get("merchantDiscount")
    ]
    return sum(found, ZERO) if found else None


_PAYMENT_STATUS = {s.value: s for s in PaymentStatus}
_FULFILLMENT_STATUS = {s.value: s for s in FulfillmentStatus}
_DELIVERY_BY_FULFILLMENT = {
    FulfillmentStatus.NOT_FULFILLED: DeliveryStatus.NOT_SHIPPED,
    FulfillmentStatus.PARTIALLY_FULFILLED: DeliveryStatus.PARTIALLY_SHIPPED,
    FulfillmentStatus.FULFILLED: DeliveryStatus.SHIPPED,
}


def order(doc: Json) -> Order:
    """The order header of a Wix `Order`.

    Wix keeps no revision (always 1 here) and no per-order paid/refunded sums: the balance is derived from
    `paymentStatus` and `balanceSummary.balance` (what is still due); `deliveryStatus` from
    `fulfillmentStatus` (a fulfilled unit counts as shipped).
    """
    with reading("an order"):
        currency = doc["currency"]
        summary: Json = doc.get("priceSummary") or {}
        prices = PriceSummary(
            subtotal=amount(summary.get("subtotal")),
            discount=amount(summary.get("discount")),
            shipping=amount(summary.get("shipping")),
            tax=amount(summary.get("tax")),
            total=amount(summary.get("total")),
        )
        pay = _PAYMENT_STATUS.get(doc.get("paymentStatus") or "", PaymentStatus.NOT_PAID)
        ful = _FULFILLMENT_STATUS.get(doc.get("fulfillmentStatus") or "", FulfillmentStatus.NOT_FULFILLED)
        shipping_address, shipping_line = _shipping(doc)
        channel: Json = doc.get("channelInfo") or {}
        return Order(
            id=public("Order", doc["id"]),
            number=str(doc["number"]),
            source=SOURCE,
            status=OrderStatus(doc["status"]),
            payment_status=pay,
            fulfillment_status=ful,
            delivery_status=_DELIVERY_BY_FULFILLMENT[ful],
            currency=currency,
            price_summary=prices,
            balance=_balance(pay, prices.total, doc, currency),
            revision=1,
            created_at=when(doc.get("createdDate")),
            updated_at=when(doc.get("updatedDate") or doc.get("createdDate")),
            external_id=_opt(channel.get("externalOrderId")),
            buyer=_buyer(doc),
            billing_address=address(doc.get("billingInfo")),
            shipping_address=shipping_address,
            shipping_line=shipping_line,
            discount=_global_discount(doc),
            note=_opt(doc.get("buyerNote")),
        )


def _balance(status: PaymentStatus, total: Decimal, doc: Json, currency: str) -> Balance:
    if status is PaymentStatus.FULLY_REFUNDED:
        return Balance(paid=ZERO, refunded=total, due=ZERO)
    given = (doc.get("balanceSummary") or {}).get("balance")
    if given is not None:
        due = max(ZERO, amount(given))
    else:
        due = ZERO if status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED) else total
    return Balance(paid=quantize(total - due, currency), refunded=ZERO, due=quantize(due, currency))


def line_items(doc: Json, fulfilled: dict[str, int]) -> list[LineItem]:
    """The order's lines; `fulfilled` holds the fulfilled units per Wix line id (from its fulfillments)."""
    with reading("an order's line items"):
        lines = []
        for item in doc.get("lineItems") or []:
            tax: Json = item.get("taxDetails") or {}
            price = amount(item.get("price"))
            quantity = int(item["quantity"])
            discount = amount(item.get("totalDiscount"))
            tax_amount = amount(tax.get("totalTax"))
            total = item.get("totalPriceAfterTax")
            catalog: Json = item.get("catalogReference") or {}
            lines.append(
                LineItem(
                    id=public("LineItem", item["id"]),
                    product_name=(item.get("productName") or {}).get("original") or "",
                    quantity=quantity,
                    price=price,
                    discount=discount,
                    tax_rate=Decimal(str(tax.get("taxRate") or "0")),
                    tax_amount=tax_amount,
                    total_price=amount(total) if total else price * quantity - discount + tax_amount,
                    sku=_opt((item.get("physicalProperties") or {}).get("sku")),
                    catalog_item_id=_opt(catalog.get("catalogItemId")),
                    image_url=_opt((item.get("image") or {}).get("url")),
                    fulfilled_quantity=fulfilled.get(item["id"], 0),
                )
            )
        return lines


_TRANSACTION = {s.value: s for s in TransactionStatus} | {
    "UNDEFINED": TransactionStatus.PENDING,
    "PENDING_MERCHANT": TransactionStatus.PENDING,
}


def payments(transactions: Json) -> list[Payment]:
    """The payments of an `OrderTransactions`, each with what its successful refunds gave back."""
    with reading("an order's transactions"):
        refunded: dict[str, Decimal] = {}
        for refund in transactions.get("refunds") or []:
            for tx in refund.get("transactions") or []:
                if tx.get("refundStatus") == "SUCCEEDED":
                    refunded[tx["paymentId"]] = refunded.get(tx["paymentId"], ZERO) + amount(tx.get("amount"))
        return [_payment(p, refunded.get(p["id"], ZERO)) for p in transactions.get("payments") or []]


def _payment(p: Json, refunded: Decimal) -> Payment:
    created = when(p.get("createdDate"))
    regular, gift, membership = (
        p.get("regularPaymentDetails"),
        p.get("giftcardPaymentDetails"),
        p.get("membershipPaymentDetails"),
    )
    provider = None
    if regular is not None:
        method = regular.get("paymentMethod") or ("OFFLINE" if regular.get("offlinePayment") else "UNKNOWN")
        status = _TRANSACTION.get(regular.get("status") or "", TransactionStatus.PENDING)
        provider = _opt(regular.get("providerTransactionId"))
    elif gift is not None:
        method = "GIFT_CARD"
        status = TransactionStatus.VOIDED if gift.get("voided") else TransactionStatus.APPROVED
        provider = _opt(gift.get("giftCardPaymentId"))
    elif membership is not None:
        method = "MEMBERSHIP"
        charged = membership.get("status") == "CHARGED" and not membership.get("voided")
        status = TransactionStatus.APPROVED if charged else TransactionStatus.DECLINED
        provider = _opt(membership.get("externalTransactionId"))
    else:
        method, status = "UNKNOWN", TransactionStatus.PENDING
    return Payment(
        id=public("Payment", p["id"]),
        amount=amount(p.get("amount")),
        method=method,
        status=status,
        created_at=created,
        updated_at=when(p.get("updatedDate")) if p.get("updatedDate") else created,
        provider_transaction_id=provider,
        refunded_amount=refunded,
    )


SHIPMENT_BY_WIX = {
    "pending": ShipmentStatus.PENDING,
    "accepted": ShipmentStatus.PENDING,
    "ready": ShipmentStatus.PENDING,
    "in_delivery": ShipmentStatus.SHIPPED,
    "fulfilled": ShipmentStatus.DELIVERED,
}


def fulfillments(items: list[Json]) -> list[Fulfillment]:
    """Fulfillments: `Pending`/`Accepted`/`Ready` are PENDING, `In_Delivery` SHIPPED, `Fulfilled` (or
    `completed`) DELIVERED; Wix keeps no update time, so `updatedAt` is the creation time."""
    with reading("an order's fulfillments"):
        return [_fulfillment(f) for f in items]


def _fulfillment(f: Json) -> Fulfillment:
    status = SHIPMENT_BY_WIX.get(str(f.get("status") or "pending").lower(), ShipmentStatus.PENDING)
    if f.get("completed"):
        status = ShipmentStatus.DELIVERED
    info: Json | None = f.get("trackingInfo")
    tracking = None
    if info and info.get("trackingNumber"):
        tracking = TrackingInfo(
            tracking_number=info["trackingNumber"],
            shipping_provider=info.get("shippingProvider") or "",
            tracking_link=_opt(info.get("trackingLink")),
        )
    created = when(f.get("createdDate"))
    lines = tuple(
        FulfillmentLine(public("LineItem", line["id"]), int(line.get("quantity") or 0))
        for line in f.get("lineItems") or []
    )
    return Fulfillment(public("Fulfillment", f["id"]), status, lines, created, created, tracking)


def fulfilled_units(items: list[Json]) -> dict[str, int]:
    """Units fulfilled per Wix line id, over an order's fulfillments."""
    with reading("an order's fulfillments"):
        units: dict[str, int] = {}
        for f in items:
            for line in f.get("lineItems") or []:
                units[line["id"]] = units.get(line["id"], 0) + int(line.get("quantity") or 0)
        return units


_HISTORY_KIND = {
    "ORDER_PLACED": HistoryKind.ORDER_CREATED,
    "ORDER_PAID": HistoryKind.PAYMENT_STATUS_CHANGED,
    "ORDER_PARTIALLY_PAID": HistoryKind.PAYMENT_ADDED,
    "ORDER_REFUNDED": HistoryKind.REFUNDED,
    "ORDER_FULFILLED": HistoryKind.FULFILLMENT_CREATED,
    "ORDER_NOT_FULFILLED": HistoryKind.FULFILLMENT_DELETED,
    "ORDER_CANCELED": HistoryKind.ORDER_CANCELED,
    "TRACKING_NUMBER_ADDED": HistoryKind.TRACKING_ADDED,
    "TRACKING_NUMBER_EDITED": HistoryKind.TRACKING_ADDED,
    "TRACKING_LINK_ADDED": HistoryKind.TRACKING_ADDED,
    "MERCHANT_COMMENT": HistoryKind.NOTE,
    "CUSTOM_ACTIVITY": HistoryKind.NOTE,
}


def history(doc: Json) -> list[HistoryEntry]:
    """The order's activities, oldest first: merchant comments are NOTEs with their text; other kinds map
    to the nearest history kind (ORDER_UPDATED when none is near) with the activity type as message."""
    with reading("an order's activities"):
        entries = []
        for activity in doc.get("activities") or []:
            kind_name = activity.get("type") or "CUSTOM_ACTIVITY"
            comment = (activity.get("merchantComment") or {}).get("message")
            custom = activity.get("customActivity") or {}
            message = comment or custom.get("type") or kind_name.replace("_", " ").capitalize()
            entries.append(
                HistoryEntry(
                    id=public("HistoryEntry", activity["id"]),
                    kind=_HISTORY_KIND.get(kind_name, HistoryKind.ORDER_UPDATED),
                    message=message,
                    author=_opt(activity.get("authorEmail")),
                    created_at=when(activity.get("createdDate")),
                )
            )
        return sorted(entries, key=lambda e: e.created_at)
