"""Domain commands as Retailys request bodies (snake_case; amounts as the JSON numbers it takes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.backends.system.mapping import HUNDRED, wire_amount, wire_time
from app.domain.model import Address, Buyer

if TYPE_CHECKING:
    from datetime import datetime

    from app.backends.system.mapping import Json
    from app.domain.commands import CreateOrder, LineItemDraft


def _full_name(first: str | None, last: str | None) -> str | None:
    return " ".join(part for part in (first, last) if part) or None


def delivery_fields(address: Address | None) -> Json:
    """The `delivery_*` fields of an order header (all null for no address)."""
    a = address or Address()
    return {
        "delivery_name": _full_name(a.first_name, a.last_name),
        "delivery_street": _full_name(a.line1, a.line2),
        "delivery_city": a.city,
        "delivery_zip": a.postal_code,
        "delivery_state_code": a.country_code,
        "delivery_phone": a.phone,
    }


def order_header(cmd: CreateOrder, now: datetime) -> Json:
    """An `OrderPostRequest` of a checked create command (its items are posted after it)."""
    buyer = cmd.buyer or Buyer()
    billing = cmd.billing_address or Address()
    header: Json = {
        "email": buyer.email,
        "name": _full_name(buyer.first_name, buyer.last_name)
        or _full_name(billing.first_name, billing.last_name),
        "street": _full_name(billing.line1, billing.line2),
        "city": billing.city,
        "zip": billing.postal_code,
        "state_code": billing.country_code,
        "phone": buyer.phone or billing.phone,
        **delivery_fields(cmd.shipping_address),
        "delivery_email": buyer.email,
        "date_order": wire_time(now),
        "order_currency_code": cmd.currency,
    }
    return {name: value for name, value in header.items() if value is not None}


def item_body(draft: LineItemDraft) -> Json:
    """A checked line as the item body: unit price without VAT, VAT in percent."""
    body: Json = {
        "name": draft.product_name,
        "count": draft.quantity,
        "price": wire_amount(draft.price),
        "vat": wire_amount(draft.tax_rate * HUNDRED),
    }
    if draft.catalog_item_id is not None and draft.catalog_item_id.isdigit():
        body["article"] = int(draft.catalog_item_id)
    return body
