"""Creating an order on Wix as the seed flow records an external order: Create Order, then Add Payments.

With an idempotency key, the key is kept as soon as Wix has created the order; a repeat with the same
input finds that order and records only the payments Wix does not hold yet, so a retry after a failed
Add Payments completes the order instead of creating a second one.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from app.backends.wix import events, to_wix
from app.backends.wix import from_wix as wix
from app.domain import changes
from app.domain.errors import DomainError, ErrorCode, PartlyApplied, UpstreamError, invalid
from app.domain.model import EventType, OrderStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.backends.wix.backend import WixBackend
    from app.domain.commands import Actor, CreateOrder, PaymentDraft
    from app.domain.model import Order, Payment

Json = dict[str, Any]


def _first_name(cmd: CreateOrder) -> str:
    """Wix requires the billing contact's first name: the billing, buyer or shipping first name."""
    for name in (
        cmd.billing_address and cmd.billing_address.first_name,
        cmd.buyer and cmd.buyer.first_name,
        cmd.shipping_address and cmd.shipping_address.first_name,
    ):
        if name and name.strip():
            return name
    raise invalid(
        "a Wix order needs a first name (of the buyer or the billing address)", "input", "buyer", "firstName"
    )


async def create(
    backend: WixBackend, cmd: CreateOrder, actor: Actor, key: str | None, fingerprint: str
) -> Order:
    """Creates (or, for a repeated key, completes) the order on Wix; the command is checked already."""
    if cmd.custom_status_id is not None:
        raise DomainError(
            "the wix backend cannot set a custom status: Wix orders have none",
            ("input", "customStatusId"),
            ErrorCode.UNSUPPORTED_BY_BACKEND,
        )
    if key is not None:
        found = await backend.keys.find(key)
        if found is not None:
            if found.fingerprint != fingerprint:
                raise DomainError(
                    "this idempotencyKey was used with a different input",
                    ("idempotencyKey",),
                    ErrorCode.IDEMPOTENCY_MISMATCH,
                )
            return await _complete(backend, wix.native(found.order_id), cmd.payments)
    first_name = _first_name(cmd)
    planned = changes.new_order(cmd, backend.context(actor), "new", "0", wix.SOURCE).aggregate
    body = to_wix.create_order(cmd, planned.line_items, first_name)
    answer = await backend.client.write("POST", "/ecom/v1/orders", body)
    with wix.reading("a created order"):
        doc: Json = answer["order"]
        wix_id: str = doc["id"]
    backend.reader.remember(doc)
    if key is not None:
        await backend.keys.remember(key, fingerprint, wix.public("Order", wix_id), backend.clock())
    logged = [events.order_event(doc, EventType.ORDER_CREATED, backend.clock())]
    if doc.get("status") == OrderStatus.APPROVED.value:
        logged.append(events.order_event(doc, EventType.ORDER_APPROVED, backend.clock()))
    await backend.log.append(logged)
    if not cmd.payments:
        return wix.order(doc)
    return await _record(backend, wix_id, cmd.payments, doc)


async def _record(backend: WixBackend, wix_id: str, drafts: Sequence[PaymentDraft], doc: Json) -> Order:
    """Add Payments; on failure, the order as created and the error, at `input.payments`."""
    try:
        return (await backend.writer.record_payments(wix_id, drafts)).order
    except UpstreamError as err:
        raise PartlyApplied(
            f"order {doc.get('number')} was created on Wix but its payments were not recorded "
            f"({err.message}); repeat the request with the same idempotencyKey to record them",
            ("input", "payments"),
            wix.order(doc),
        ) from err


async def _complete(backend: WixBackend, wix_id: str, drafts: Sequence[PaymentDraft]) -> Order:
    """The order a key created, with the command's payments Wix does not hold yet added."""
    doc = await backend.reader.order_doc(wix_id, "idempotencyKey")
    held = await backend.reader.transaction_docs([wix_id])
    missing = _missing(drafts, wix.payments(held.get(wix_id) or {}))
    if not missing:
        return wix.order(doc)
    return await _record(backend, wix_id, missing, doc)


def _missing(drafts: Sequence[PaymentDraft], held: Sequence[Payment]) -> list[PaymentDraft]:
    """The drafts not matched by a held payment of the same amount, method and provider id."""
    have = Counter((p.amount, p.method, p.provider_transaction_id) for p in held)
    out = []
    for draft in drafts:
        mark = (draft.amount, draft.method, draft.provider_transaction_id)
        if have[mark]:
            have[mark] -= 1
        else:
            out.append(draft)
    return out
