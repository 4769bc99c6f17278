"""Which order details Wix lets a caller change, and the Update Order body for a checked patch.

Wix's Update Order takes the buyer's email, the billing and recipient contacts and addresses, and the
shipping destination. So `buyer` (email, names, phone), `billingAddress` and `shippingAddress` map; the
buyer's names and phone are the billing contact's on Wix. Clearing a contact, changing the buyer's
contact id, and `shippingLine`, `discount`, `note`, `externalId` are refused (UNSUPPORTED_BY_BACKEND).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.backends.wix.to_wix import address_with_contact
from app.domain.errors import Unsupported

if TYPE_CHECKING:
    from app.domain.commands import UpdateOrder
    from app.domain.model import Address, Buyer, Order

Json = dict[str, Any]
FIXED = {
    "shipping_line": "shippingLine",
    "discount": "discount",
    "note": "note",
    "external_id": "externalId",
}
CLEARABLE_NOT = {"buyer": "buyer", "billing_address": "billingAddress", "shipping_address": "shippingAddress"}


def _refuse(why: str, *field: str) -> Unsupported:
    return Unsupported(f"the wix backend cannot {why}", ("input", *field))


def check_supported(patch: UpdateOrder) -> None:
    """Refuses, before anything is read or sent, the fields Wix cannot change or clear."""
    given = patch.changed()
    for name, gql in FIXED.items():
        if name in given:
            raise _refuse(f"change {gql}: Wix's Update Order does not take it", gql)
    for name, gql in CLEARABLE_NOT.items():
        if name in given and given[name] is None:
            raise _refuse(f"clear {gql}: a Wix order keeps it", gql)


def order_patch(order: Order, patch: UpdateOrder) -> Json:
    """The `order` fields of an Update Order request (supported, and passed by the domain's rules)."""
    given = patch.changed()
    body: Json = {}
    billing: Address | None = order.billing_address
    if "billing_address" in given:
        billing = given["billing_address"]  # type: ignore[assignment]
        assert billing is not None
        body["billingInfo"] = address_with_contact(billing)
    if "buyer" in given:
        buyer: Buyer | None = given["buyer"]  # type: ignore[assignment]
        assert buyer is not None
        current = order.buyer
        if buyer.customer_id is not None and buyer.customer_id != (current.customer_id if current else None):
            raise _refuse("change the buyer's customerId (the Wix contact)", "buyer", "customerId")
        if buyer.email is not None:
            body["buyerInfo"] = {"email": buyer.email}
        contact = body.setdefault("billingInfo", address_with_contact(billing) if billing else {})
        details = contact.setdefault("contactDetails", {})
        for key, value in (
            ("firstName", buyer.first_name),
            ("lastName", buyer.last_name),
            ("phone", buyer.phone),
        ):
            if value is not None:
                details[key] = value
    if "shipping_address" in given:
        shipping: Address | None = given["shipping_address"]  # type: ignore[assignment]
        assert shipping is not None
        body["recipientInfo"] = address_with_contact(shipping)
        if order.shipping_line is not None:
            body["shippingInfo"] = {"logistics": {"shippingDestination": address_with_contact(shipping)}}
    return body
