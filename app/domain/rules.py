"""Input rules: every value a client sends is checked here, on every backend, before anything is written.

Each check raises `DomainError` with the path of the field at fault, relative to the input object; callers
prefix it with where that object sits in the request (`err.at("input")`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from app.domain.countries import is_country_code
from app.domain.currencies import minor_unit
from app.domain.errors import DomainError, ErrorCode, invalid
from app.domain.model import Address, Buyer, OrderStatus, ShippingLine, TransactionStatus
from app.domain.money import check_amount

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from app.domain.commands import CreateOrder, DefineStatus, LineItemDraft, PaymentDraft

NAME_MAX = 200
TEXT_MAX = 5000
SHORT_MAX = 100
URL_MAX = 2048
MAX_QUANTITY = 100_000
MAX_LINE_ITEMS = 300
MAX_PAYMENTS_PER_CALL = 50
TAX_RATE_DIGITS = 6
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
P = ParamSpec("P")
R = TypeVar("R")
_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f/?#@]+(?:[/?#][^\s\x00-\x1f\x7f]*)?\Z", re.IGNORECASE)
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")


def text(value: str | None, field: str, *, limit: int = NAME_MAX, required: bool = False) -> str | None:
    """A bounded string; `required` ones must not be blank."""
    if value is None:
        if required:
            raise invalid(f"{field} is required", field)
        return None
    if required and not value.strip():
        raise invalid(f"{field} must not be blank", field)
    if len(value) > limit:
        raise invalid(f"{field} is longer than {limit} characters", field)
    if "\x00" in value:
        raise invalid(f"{field} must not contain NUL characters", field)
    return value


def required_text(value: str, field: str, *, limit: int = NAME_MAX) -> str:
    """A bounded, non-blank string."""
    checked = text(value, field, limit=limit, required=True)
    assert checked is not None
    return checked


def url(value: str | None, field: str) -> str | None:
    """An absolute http(s) URL with a host and no whitespace or control characters, or None."""
    if value is None:
        return None
    text(value, field, limit=URL_MAX)
    if not _URL.match(value):
        raise invalid(f"{field} must be an http(s) URL", field)
    return value


def currency(code: str) -> str:
    """An ISO 4217 code, canonically upper-case."""
    upper = code.upper() if code.isascii() else ""
    if minor_unit(upper) is None:
        raise invalid(f"{code[:10]!r} is not an ISO 4217 currency code", "currency")
    return upper


def aware(value: datetime | None, field: str) -> datetime | None:
    """A date-time with an explicit offset (naive times are ambiguous and refused)."""
    if value is not None and value.utcoffset() is None:
        raise invalid(f"{field} needs an explicit UTC offset", field)
    return value


def buyer(value: Buyer | None) -> Buyer | None:
    if value is None:
        return None
    if value.email is not None and (len(value.email) > 254 or not _EMAIL.match(value.email)):
        raise invalid("email is not a valid e-mail address", "email")
    text(value.first_name, "firstName")
    text(value.last_name, "lastName")
    text(value.phone, "phone", limit=50)
    text(value.customer_id, "customerId")
    return value


def address(value: Address | None) -> Address | None:
    if value is None:
        return None
    for name, field in (
        ("first_name", "firstName"),
        ("last_name", "lastName"),
        ("company", "company"),
        ("line1", "line1"),
        ("line2", "line2"),
        ("city", "city"),
        ("region", "region"),
    ):
        text(getattr(value, name), field)
    text(value.postal_code, "postalCode", limit=20)
    text(value.phone, "phone", limit=50)
    if value.country_code is None:
        return value
    code = value.country_code.upper() if value.country_code.isascii() else ""
    if not is_country_code(code):
        raise invalid(f"{value.country_code[:10]!r} is not an ISO 3166-1 alpha-2 country code", "countryCode")
    return replace(value, country_code=code)


def shipping_line(value: ShippingLine | None, cur: str) -> ShippingLine | None:
    if value is None:
        return None
    required_text(value.title, "title")
    return ShippingLine(title=value.title, price=check_amount(value.price, cur, "price"))


def tax_rate(value: Decimal, field: str = "taxRate") -> Decimal:
    """A rate between 0 and 1 with at most six decimals; its digits are kept."""
    if not value.is_finite() or value < 0 or value > 1:
        raise invalid("taxRate must be between 0 and 1", field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > TAX_RATE_DIGITS:
        raise invalid(f"taxRate has at most {TAX_RATE_DIGITS} decimals", field)
    return value


def quantity(value: int, field: str = "quantity") -> int:
    if not 1 <= value <= MAX_QUANTITY:
        raise invalid(f"quantity must be between 1 and {MAX_QUANTITY}", field)
    return value


def line_item(draft: LineItemDraft, cur: str) -> LineItemDraft:
    """A checked line: quantity ≥ 1, price and discount ≥ 0, discount ≤ price × quantity, rate 0..1."""
    required_text(draft.product_name, "productName")
    text(draft.sku, "sku", limit=SHORT_MAX)
    text(draft.catalog_item_id, "catalogItemId")
    url(draft.image_url, "imageUrl")
    quantity(draft.quantity)
    price = check_amount(draft.price, cur, "price")
    discount = check_amount(draft.discount, cur, "discount")
    if discount > price * draft.quantity:
        raise invalid("discount must not exceed price × quantity", "discount")
    return replace(draft, price=price, discount=discount, tax_rate=tax_rate(draft.tax_rate))


def payment(draft: PaymentDraft, cur: str, now: datetime) -> PaymentDraft:
    """A checked payment: amount > 0, method not blank, createdAt not in the future, not born refunded."""
    amount = check_amount(draft.amount, cur, "amount", positive=True)
    if draft.status in (TransactionStatus.REFUNDED, TransactionStatus.PARTIALLY_REFUNDED):
        raise invalid("a new payment cannot be refunded yet: add it, then refund it", "status")
    required_text(draft.method, "method", limit=SHORT_MAX)
    text(draft.provider_transaction_id, "providerTransactionId")
    created = aware(draft.created_at, "createdAt")
    if created is not None and created > now:
        raise invalid("createdAt must not be in the future", "createdAt")
    return replace(draft, amount=amount)


def order_discount(
    discount: Decimal | None, cur: str, goods: Decimal, field: str = "discount"
) -> Decimal | None:
    """The order-level discount: ≥ 0 and not more than the goods after line discounts."""
    if discount is None:
        return None
    checked = check_amount(discount, cur, field)
    if checked > goods:
        raise invalid("the order discount must not exceed the subtotal after line discounts", field)
    return checked


def create_order(cmd: CreateOrder, now: datetime) -> CreateOrder:
    """Checks a whole create request; returns it with canonical values (currency, countries, amounts)."""
    cur = currency(cmd.currency)
    if cmd.status not in (OrderStatus.INITIALIZED, OrderStatus.APPROVED):
        raise invalid("an order is created INITIALIZED or APPROVED", "status")
    if not cmd.line_items:
        raise invalid("an order needs at least one line item", "lineItems")
    if len(cmd.line_items) > MAX_LINE_ITEMS:
        raise DomainError(
            f"an order has at most {MAX_LINE_ITEMS} line items", ("lineItems",), ErrorCode.LIMIT_EXCEEDED
        )
    if len(cmd.payments) > MAX_PAYMENTS_PER_CALL:
        raise DomainError(
            f"at most {MAX_PAYMENTS_PER_CALL} payments at once", ("payments",), ErrorCode.LIMIT_EXCEEDED
        )
    lines = tuple(_at(("lineItems", str(i)), line_item, draft, cur) for i, draft in enumerate(cmd.line_items))
    payments = tuple(
        _at(("payments", str(i)), payment, draft, cur, now) for i, draft in enumerate(cmd.payments)
    )
    seen: set[str] = set()
    for i, draft in enumerate(payments):
        if draft.provider_transaction_id in seen:
            raise invalid(
                "a providerTransactionId is listed twice", "payments", str(i), "providerTransactionId"
            )
        if draft.provider_transaction_id:
            seen.add(draft.provider_transaction_id)
    goods = sum((line.price * line.quantity - line.discount for line in lines), Decimal(0))
    return replace(
        cmd,
        currency=cur,
        line_items=lines,
        payments=payments,
        external_id=text(cmd.external_id, "externalId"),
        note=text(cmd.note, "note", limit=TEXT_MAX),
        buyer=_at(("buyer",), buyer, cmd.buyer),
        billing_address=_at(("billingAddress",), address, cmd.billing_address),
        shipping_address=_at(("shippingAddress",), address, cmd.shipping_address),
        shipping_line=_at(("shippingLine",), shipping_line, cmd.shipping_line, cur),
        discount=order_discount(cmd.discount, cur, goods),
    )


def status_definition(cmd: DefineStatus) -> DefineStatus:
    """A custom status: a name, and a CSS hex color or none."""
    required_text(cmd.name, "name")
    if cmd.color is not None and not _COLOR.match(cmd.color):
        raise invalid("color must be a CSS hex color such as #1e90ff", "color")
    return cmd


def history_message(message: str) -> str:
    return required_text(message, "message", limit=TEXT_MAX)


def _at(prefix: tuple[str, ...], check: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Runs `check`, placing any error's field path under `prefix`."""
    try:
        return check(*args, **kwargs)
    except DomainError as err:
        raise err.at(*prefix) from None
