"""Domain commands → Wix request bodies: Create Order, Update Order, Add Payments, fulfillments.

Amounts go as decimal strings, never floats. Only fields Wix lets a caller set are produced here; what the
contract has and Wix cannot take is refused by the backend (UNSUPPORTED_BY_BACKEND) before any call.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import TYPE_CHECKING, Any

from app.backends.wix.from_wix import native
from app.domain import totals
from app.domain.model import ShipmentStatus
from app.domain.tracking import link_for

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal

    from app.domain.commands import CreateOrder, FulfillmentDraft, PaymentDraft
    from app.domain.model import Address, LineItem, TrackingInfo

Json = dict[str, Any]
WIX_LINKED = frozenset({"fedex", "ups", "usps", "dhl", "canadaPost"})  # Wix generates their trackingLink
WIX_STATUS_BY_SHIPMENT = {
    ShipmentStatus.PENDING: "Pending",
    ShipmentStatus.SHIPPED: "In_Delivery",
    ShipmentStatus.DELIVERED: "Fulfilled",
}


def price(value: Decimal) -> Json:
    return {"amount": format(value, "f")}


def _drop_empty(values: Json) -> Json:
    return {k: v for k, v in values.items() if v not in (None, {}, [])}


def address_with_contact(addr: Address, first_name: str | None = None) -> Json:
    """The contract's Address as a Wix `AddressWithContact` (`region` becomes an ISO 3166-2 subdivision)."""
    subdivision = None
    if addr.region:
        subdivision = f"{addr.country_code}-{addr.region}" if addr.country_code else addr.region
    return {
        "address": _drop_empty(
            {
                "country": addr.country_code,
                "subdivision": subdivision,
                "city": addr.city,
                "postalCode": addr.postal_code,
                "addressLine": addr.line1,
                "addressLine2": addr.line2,
            }
        ),
        "contactDetails": _drop_empty(
            {
                "firstName": addr.first_name or first_name,
                "lastName": addr.last_name,
                "company": addr.company,
                "phone": addr.phone,
            }
        ),
    }


def _line(draft: LineItem, line_id: str) -> Json:
    item: Json = {
        "id": line_id,
        "productName": {"original": draft.product_name},
        "quantity": draft.quantity,
        "price": price(draft.price),
        "itemType": {"preset": "PHYSICAL"},
        "descriptionLines": [],
        "taxDetails": {"taxRate": format(draft.tax_rate, "f"), "totalTax": price(draft.tax_amount)},
        "paymentOption": "FULL_PAYMENT_OFFLINE",
    }
    if draft.sku:
        item["physicalProperties"] = {"sku": draft.sku, "shippable": True}
    if draft.catalog_item_id:
        item["catalogReference"] = {"catalogItemId": draft.catalog_item_id, "appId": CUSTOM_CATALOG_APP}
    if draft.image_url:
        item["image"] = {"url": draft.image_url}
    return item


# Lines that name a catalogItemId are referenced under the gateway's own catalog app id, not Wix Stores',
# so that recording an order never moves a Wix Stores inventory.
CUSTOM_CATALOG_APP = "orders-gateway"


def create_order(cmd: CreateOrder, lines: list[LineItem], first_name: str) -> Json:
    """A Create Order body from a checked command and its computed lines (`first_name` is required).

    Line discounts go as SPECIFIC_ITEMS merchant discounts on the line's id, the order discount as a
    GLOBAL one; the price summary is the contract's, computed here.
    """
    summary = totals.price_summary(lines, cmd.discount, cmd.shipping_line, cmd.currency)
    line_ids = [str(uuid.uuid4()) for _ in lines]  # Wix takes GUIDs; line discounts refer to them
    billing = (
        address_with_contact(cmd.billing_address, first_name)
        if cmd.billing_address
        else {"contactDetails": {"firstName": first_name}}
    )
    contact = billing["contactDetails"]
    for key, value in (
        ("lastName", cmd.buyer and cmd.buyer.last_name),
        ("phone", cmd.buyer and cmd.buyer.phone),
    ):
        if value and key not in contact:
            contact[key] = value
    order: Json = {
        "status": cmd.status.value,
        "currency": cmd.currency,
        "lineItems": [_line(line, line_id) for line, line_id in zip(lines, line_ids, strict=True)],
        "billingInfo": billing,
        "priceSummary": {
            "subtotal": price(summary.subtotal),
            "shipping": price(summary.shipping),
            "tax": price(summary.tax),
            "discount": price(summary.discount),
            "total": price(summary.total),
        },
        "channelInfo": (
            {"type": "OTHER_PLATFORM", "externalOrderId": cmd.external_id}
            if cmd.external_id
            else {"type": "WEB"}
        ),
    }
    if cmd.buyer and (cmd.buyer.email or cmd.buyer.customer_id):
        order["buyerInfo"] = _drop_empty({"email": cmd.buyer.email, "contactId": cmd.buyer.customer_id})
    if cmd.shipping_address:
        order["recipientInfo"] = address_with_contact(cmd.shipping_address)
    if cmd.shipping_line:
        shipping: Json = {"title": cmd.shipping_line.title, "cost": {"price": price(cmd.shipping_line.price)}}
        if cmd.shipping_address:
            shipping["logistics"] = {"shippingDestination": address_with_contact(cmd.shipping_address)}
        order["shippingInfo"] = shipping
    discounts = [
        {
            "discountType": "SPECIFIC_ITEMS",
            "lineItemIds": [line_id],
            "merchantDiscount": {"amount": price(line.discount)},
        }
        for line, line_id in zip(lines, line_ids, strict=True)
        if line.discount
    ]
    if cmd.discount:
        discounts.append({"discountType": "GLOBAL", "merchantDiscount": {"amount": price(cmd.discount)}})
    if discounts:
        order["appliedDiscounts"] = discounts
    if cmd.note:
        order["buyerNote"] = cmd.note
    return {"order": order}


def payment(draft: PaymentDraft) -> Json:
    """An Add Payments item: a regular payment recorded with its method and status (nothing is charged)."""
    details = _drop_empty(
        {
            "paymentMethod": draft.method,
            "offlinePayment": draft.method.upper() in ("OFFLINE", "CASH"),
            "status": draft.status.value,
            "providerTransactionId": draft.provider_transaction_id,
        }
    )
    body: Json = {"amount": price(draft.amount), "refundDisabled": False, "regularPaymentDetails": details}
    if draft.created_at is not None:
        body["createdDate"] = iso(draft.created_at)
    return body


def iso(value: datetime) -> str:
    """A datetime as Wix writes it: UTC, milliseconds, `Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def tracking(info: TrackingInfo) -> Json:
    """Checked tracking; the link is left to Wix for the providers Wix links itself, unless the client
    gave its own (the gateway then stores the link Wix returns)."""
    provider, number, link = info.shipping_provider, info.tracking_number, info.tracking_link
    if provider in WIX_LINKED and link == link_for(provider, number):
        link = None
    return _drop_empty({"trackingNumber": number, "shippingProvider": provider, "trackingLink": link})


def fulfillment(draft: FulfillmentDraft) -> Json:
    """A Create Fulfillment item (line ids are the Wix line ids)."""
    body: Json = {
        "lineItems": [{"id": native(fl.line_item_id), "quantity": fl.quantity} for fl in draft.lines],
        "status": WIX_STATUS_BY_SHIPMENT[draft.status],
    }
    if draft.tracking is not None:
        body["trackingInfo"] = tracking(draft.tracking)
    return body
