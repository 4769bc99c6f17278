"""Retailys JSON as domain objects: the adapter boundary, where floats become `Decimal` (`bodies` goes back).

Amounts are in the order's `order_currency_code`, read through their decimal string and rounded to the
currency's minor unit. An item's `price.base_price` is its unit price without VAT and `price.vat` the rate in
percent. Times carry their offset; one without is Europe/Prague local time. The order's state is derived
from its boolean flags (canceled → CANCELED, done → COMPLETED, else APPROVED; delivered, sent, tracking →
one fulfillment of every item).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from app.domain import ids, totals
from app.domain.errors import NotFound, UpstreamError
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
from app.domain.money import ZERO, quantize

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


SOURCE = "system"
LOCAL_TIME = ZoneInfo("Europe/Prague")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
HUNDRED = Decimal(100)
P = ParamSpec("P")
R = TypeVar("R")

Json = dict[str, Any]


def readable(convert: Callable[P, R]) -> Callable[P, R]:
    """Makes a JSON shape the mapping cannot read an UPSTREAM_ERROR instead of a bug."""

    @functools.wraps(convert)
    def read(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return convert(*args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as error:
            name = type(error).__name__
            raise UpstreamError(f"Retailys sent data the gateway cannot read ({name})") from None

    return read


def order_json(value: Any) -> Json:
    """`value` when it is an order the gateway can key (an object with an integer id); else UPSTREAM_ERROR."""
    if (
        not isinstance(value, dict)
        or isinstance(value.get("id"), bool)
        or not isinstance(value.get("id"), int)
    ):
        raise UpstreamError("Retailys sent an order without an integer id")
    return value


def created_id(answer: Any) -> int:
    """The id of an `IdModel` answer to a create; UPSTREAM_ERROR when there is none."""
    native = answer.get("id") if isinstance(answer, dict) else None
    if isinstance(native, bool) or not isinstance(native, int):
        raise UpstreamError("Retailys did not answer the create with an integer id")
    return native


def order_id(native: int | str) -> str:
    return ids.encode(SOURCE, "Order", str(native))


def native_id(public_id: str, kind: str, *field: str) -> int:
    """The Retailys integer id inside one of our public ids of `kind` (NOT_FOUND when it is not one)."""
    parsed = ids.decode(public_id, kind, *field)
    if parsed.source != SOURCE or not parsed.native.isdigit():
        raise NotFound(f"no {kind} has the id {public_id[:100]!r}", field or None)
    return int(parsed.native)


def decimal(value: Any, currency: str) -> Decimal:
    """An upstream number as a `Decimal` in the currency's minor unit (missing is zero)."""
    if value is None:
        return quantize(ZERO, currency)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UpstreamError(f"Retailys sent {value!r} where an amount belongs")
    try:
        return quantize(Decimal(str(value)), currency)
    except InvalidOperation:
        raise UpstreamError(f"Retailys sent {value!r} where an amount belongs") from None


def wire_amount(amount: Decimal) -> float:
    """An amount as the JSON number Retailys takes (the only place a float is made)."""
    return float(amount)


def parse_time(value: Any) -> datetime | None:
    """An upstream date-time in UTC; without an offset it is Prague local time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UpstreamError(f"Retailys sent {value[:40]!r} where a date-time belongs") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TIME)
    return parsed.astimezone(UTC)


def wire_time(value: datetime) -> str:
    """A time as Retailys takes it: ISO-8601 with its offset."""
    return value.astimezone(UTC).isoformat()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _ref_id(value: Any) -> str | None:
    """The id of a related object, expanded or `NonExpanded { id, api_link }`."""
    if isinstance(value, dict) and value.get("id") is not None:
        return str(value["id"])
    return None


def _split_name(name: str | None) -> tuple[str | None, str | None]:
    if not name:
        return None, None
    first, _, last = name.strip().partition(" ")
    return first or None, last.strip() or None


@dataclass(frozen=True, slots=True)
class Shippers:
    """The configured map from tracking provider names to Retailys `shipper_id`s (names match any case)."""

    by_name: Mapping[str, int]

    def shipper_id(self, provider: str) -> int | None:
        wanted = provider.strip().lower()
        return next((sid for name, sid in self.by_name.items() if name.lower() == wanted), None)

    def provider(self, shipper_id: Any) -> str:
        name = next((name for name, sid in self.by_name.items() if sid == shipper_id), None)
        return name or f"shipper {shipper_id}"


def currency_of(raw: Json) -> str:
    code = raw.get("order_currency_code")
    if not isinstance(code, str) or not code:
        raise UpstreamError(f"Retailys order {raw.get('id')} has no order_currency_code")
    return code.upper()


def status(raw: Json) -> OrderStatus:
    if raw.get("canceled"):
        return OrderStatus.CANCELED
    if raw.get("done"):
        return OrderStatus.COMPLETED
    return OrderStatus.APPROVED


@readable
def line_items(raw: Json) -> list[LineItem]:
    currency = currency_of(raw)
    fulfilled = _fulfilled(raw)
    lines = []
    for item in raw.get("items") or ():
        price = item.get("price") or {}
        unit = decimal(price.get("base_price"), currency)
        rate = Decimal(str(price.get("vat") or 0)) / HUNDRED
        count = int(item.get("count") or 0)
        tax, total = totals.line_amounts(unit, count, ZERO, rate, currency)
        none = quantize(ZERO, currency)
        lines.append(
            LineItem(
                id=ids.encode(SOURCE, "LineItem", str(item["id"])),
                product_name=_text(item.get("name")) or "",
                quantity=count,
                price=unit,
                discount=none,
                tax_rate=rate.normalize(),
                tax_amount=tax,
                total_price=total,
                catalog_item_id=_ref_id(item.get("article")),
                fulfilled_quantity=count if fulfilled else 0,
            )
        )
    return lines


def _fulfilled(raw: Json) -> bool:
    return bool(raw.get("sent") or raw.get("delivered") or raw.get("trackings"))


@readable
def fulfillments(raw: Json, shippers: Shippers) -> list[Fulfillment]:
    """One fulfillment of every item once the order is sent, delivered or tracked; the newest tracking."""
    if not _fulfilled(raw):
        return []
    shipment = (
        ShipmentStatus.DELIVERED
        if raw.get("delivered")
        else ShipmentStatus.SHIPPED
        if raw.get("sent")
        else ShipmentStatus.PENDING
    )
    trackings = raw.get("trackings") or []
    tracking = None
    if trackings:
        newest = trackings[-1]
        tracking = TrackingInfo(
            tracking_number=str(newest.get("tracking_number") or ""),
            shipping_provider=shippers.provider(newest.get("shipper_id")),
            tracking_link=_text(newest.get("tracking_url")),
        )
    created = _created(raw)
    return [
        Fulfillment(
            id=ids.encode(SOURCE, "Fulfillment", str(raw["id"])),
            status=shipment,
            lines=tuple(FulfillmentLine(line.id, line.quantity) for line in line_items(raw)),
            created_at=created,
            updated_at=created,
            tracking=tracking,
        )
    ]


@readable
def payments(raw: Json) -> list[Payment]:
    """The amount paid so far as one approved payment (Retailys keeps a sum, not transactions)."""
    currency = currency_of(raw)
    paid = decimal(raw.get("paid"), currency)
    if paid <= 0:
        return []
    when = parse_time(raw.get("date_paid")) or _created(raw)
    return [
        Payment(
            id=ids.encode(SOURCE, "Payment", str(raw["id"])),
            amount=paid,
            method="retailys",
            status=TransactionStatus.APPROVED,
            created_at=when,
            updated_at=when,
            provider_transaction_id=_text(raw.get("external_payment_id")),
        )
    ]


@readable
def history(raw: Json) -> list[HistoryEntry]:
    """What the order itself tells of its past (Retailys has no read access to history records)."""
    entries = [
        HistoryEntry(
            id=ids.encode(SOURCE, "HistoryEntry", f"{raw['id']}:created"),
            kind=HistoryKind.ORDER_CREATED,
            message="Order created",
            author=None,
            created_at=_created(raw),
        )
    ]
    paid_at = parse_time(raw.get("date_paid"))
    if paid_at is not None:
        entries.append(
            HistoryEntry(
                id=ids.encode(SOURCE, "HistoryEntry", f"{raw['id']}:paid"),
                kind=HistoryKind.PAYMENT_ADDED,
                message="Payment received",
                author=None,
                created_at=paid_at,
            )
        )
    return entries


def _created(raw: Json) -> datetime:
    created = parse_time(raw.get("date_order"))
    if created is None:
        raise UpstreamError(f"Retailys order {raw.get('id')} has no date_order")
    return created


def _shipping_line(raw: Json, currency: str) -> ShippingLine | None:
    shipping = raw.get("shipping")
    if not isinstance(shipping, dict) or "price" not in shipping:
        return None
    return ShippingLine(
        title=_text(shipping.get("name")) or "Shipping", price=decimal(shipping["price"], currency)
    )


@readable
def order(raw: Json) -> Order:
    """The domain order of an `OrderModel` (expanded, so the shipping line is known)."""
    currency = currency_of(raw)
    lines = line_items(raw)
    shipping = _shipping_line(raw, currency)
    subtotal = sum((line.price * line.quantity for line in lines), ZERO)
    tax = sum((line.tax_amount for line in lines), ZERO)
    total = decimal(raw.get("money"), currency)
    none = quantize(ZERO, currency)
    ship = shipping.price if shipping else none
    discount = quantize(max(subtotal + tax + ship - total, ZERO), currency)
    paid = decimal(raw.get("paid"), currency)
    created = _created(raw)
    first, last = _split_name(_text(raw.get("name")))
    delivery_first, delivery_last = _split_name(_text(raw.get("delivery_name")))
    payment_status = (
        PaymentStatus.PAID
        if paid > 0 and paid >= total
        else PaymentStatus.PARTIALLY_PAID
        if paid > 0
        else PaymentStatus.NOT_PAID
    )
    status_id = raw.get("status_id")
    return Order(
        id=order_id(raw["id"]),
        number=str(raw["id"]),
        source=SOURCE,
        status=status(raw),
        payment_status=payment_status,
        fulfillment_status=FulfillmentStatus.FULFILLED
        if _fulfilled(raw)
        else FulfillmentStatus.NOT_FULFILLED,
        delivery_status=DeliveryStatus.DELIVERED
        if raw.get("delivered")
        else DeliveryStatus.SHIPPED
        if raw.get("sent")
        else DeliveryStatus.NOT_SHIPPED,
        currency=currency,
        price_summary=PriceSummary(
            subtotal=quantize(subtotal, currency), discount=discount, shipping=ship, tax=tax, total=total
        ),
        balance=Balance(paid=paid, refunded=none, due=quantize(max(total - paid, ZERO), currency)),
        revision=1,
        created_at=created,
        updated_at=max(created, parse_time(raw.get("date_paid")) or created),
        external_id=_text(raw.get("external_order_id")),
        custom_status_id=ids.encode(SOURCE, "OrderStatus", str(status_id)) if status_id is not None else None,
        buyer=Buyer(
            email=_text(raw.get("email")),
            first_name=first,
            last_name=last,
            phone=_text(raw.get("phone")),
            customer_id=_ref_id(raw.get("customer")),
        ),
        billing_address=Address(
            first_name=first,
            last_name=last,
            line1=_text(raw.get("street")),
            city=_text(raw.get("city")),
            postal_code=_text(raw.get("zip")),
            country_code=_text(raw.get("state_code")),
            phone=_text(raw.get("phone")),
        ),
        shipping_address=Address(
            first_name=delivery_first,
            last_name=delivery_last,
            line1=_text(raw.get("delivery_street")),
            city=_text(raw.get("delivery_city")),
            postal_code=_text(raw.get("delivery_zip")),
            country_code=_text(raw.get("delivery_state_code")),
            phone=_text(raw.get("delivery_phone")),
        ),
        shipping_line=shipping,
        discount=discount if discount > 0 else None,
        note=_text(raw.get("note")),
    )


@readable
def custom_status(raw: Json) -> CustomStatus:
    color = raw.get("color")
    return CustomStatus(
        id=ids.encode(SOURCE, "OrderStatus", str(raw["id"])),
        name=str(raw.get("name") or raw["id"]),
        color=color if isinstance(color, str) and _COLOR.match(color) else None,
    )
