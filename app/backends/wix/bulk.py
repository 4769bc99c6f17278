"""Bulk operations on Wix: Bulk Update Payment Statuses (≤ 300) and Bulk Create Fulfillments (≤ 100).

Each item is first decided by the domain's rules on its order (items of one order in request order, as on
the local store); the items the rules refuse fail on their own and are not sent. The rest go in one Wix
bulk call, whose per-item results are matched back by `itemMetadata.originalIndex`, never by position.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from app.backends.wix import events
from app.backends.wix import from_wix as wix
from app.backends.wix.reads import FULFILLMENTS, TRANSACTIONS, natives
from app.backends.wix.to_wix import fulfillment as fulfillment_body
from app.domain import fulfillments, payments
from app.domain.commands import FulfillmentDraft
from app.domain.errors import DomainError, NotFound, UpstreamError
from app.domain.outcomes import BulkItemOutcome

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.backends.wix.backend import WixBackend
    from app.domain.commands import Actor, BulkFulfillment, PaymentRef
    from app.domain.model import Order, TransactionStatus

Json = dict[str, Any]


def _placed(err: DomainError, prefix: tuple[str, ...], order_field: tuple[str, ...]) -> DomainError:
    return err.at(*(prefix if err.field else order_field))


def _item_error(meta: Json, field: tuple[str, ...], what: str) -> DomainError:
    error: Json = meta.get("error") or {}
    code, description = error.get("code") or "UNKNOWN", error.get("description") or "no description"
    if code in ("PAYMENT_NOT_FOUND", "ORDER_NOT_FOUND", "FULFILLMENT_NOT_FOUND"):
        return NotFound(f"Wix found no such {what} ({code}: {description})", field)
    return UpstreamError(f"Wix refused this item ({code}: {description})", field)


def _by_original_index(answer: Json) -> dict[int, Json]:
    with wix.reading("a bulk answer"):
        return {int(r["itemMetadata"]["originalIndex"]): r for r in answer.get("results") or []}


async def _fresh_orders(backend: WixBackend, wix_ids: Sequence[str]) -> dict[str, Order]:
    if not wix_ids:
        return {}
    docs = await backend.reader.fetch_orders(list(wix_ids))
    for doc in docs.values():
        backend.reader.remember(doc)
    return {k: wix.order(doc) for k, doc in docs.items()}


async def update_payment_statuses(
    backend: WixBackend, refs: Sequence[tuple[int, PaymentRef]], status: TransactionStatus, actor: Actor
) -> list[BulkItemOutcome]:
    """Each ref checked by `payments.set_status`, then one Bulk Update Payment Statuses call."""
    aggs = await backend.reader.aggregates(natives([ref.order_id for _, ref in refs]))
    ctx = backend.context(actor)
    outcomes: dict[int, BulkItemOutcome | DomainError] = {}
    sending: list[tuple[int, str, PaymentRef]] = []
    for index, ref in refs:
        prefix, order_field = ("payments", str(index)), ("payments", str(index), "orderId")
        agg = aggs.get(wix.key(ref.order_id) or "")
        if agg is None:
            outcomes[index] = NotFound("no order has that id", order_field)
            continue
        try:
            applied = payments.set_status(agg, ref.payment_id, status, ctx)
        except DomainError as err:
            outcomes[index] = _placed(err, prefix, order_field)
            continue
        if applied.records:
            sending.append((index, wix.native(ref.order_id), ref))
        else:
            outcomes[index] = BulkItemOutcome(index, None, ref.payment_id)
    if sending:
        body = {
            "paymentAndOrderIds": [
                {"orderId": order, "paymentId": wix.native(ref.payment_id)} for _, order, ref in sending
            ],
            "status": status.value,
            "returnFullEntity": False,
        }
        try:
            answer = await backend.client.write(
                "POST", "/ecom/v1/bulk/payments/update-payment-transaction-status", body
            )
            results = _by_original_index(answer)
        except UpstreamError as err:
            results = {}
            for index, _, _ in sending:
                outcomes[index] = UpstreamError(err.message, ("payments", str(index)))
        for position, (index, _, ref) in enumerate(sending):
            if index in outcomes:
                continue
            result = results.get(position)
            meta: Json = (result or {}).get("itemMetadata") or {}
            if result is None:
                outcomes[index] = UpstreamError("Wix gave no result for this item", ("payments", str(index)))
            elif not meta.get("success"):
                outcomes[index] = _item_error(meta, ("payments", str(index)), "payment")
            else:
                outcomes[index] = BulkItemOutcome(index, None, ref.payment_id)
    changed = list(dict.fromkeys(o for i, o, _ in sending if isinstance(outcomes[i], BulkItemOutcome)))
    if changed:
        fresh = await backend.reader.fetch_transactions(changed)
        backend.reader.remember(**{TRANSACTIONS: fresh})
        now = backend.clock()
        await backend.log.append([events.transactions_event(k, fresh[k], now) for k in changed if k in fresh])
    return await _finish(backend, outcomes, {i: wix.key(ref.order_id) or "" for i, ref in refs})


async def _finish(
    backend: WixBackend, outcomes: dict[int, BulkItemOutcome | DomainError], order_of: dict[int, str]
) -> list[BulkItemOutcome]:
    """Outcomes in request order; successes carry their order as Wix holds it after the call."""
    succeeded = [order_of[i] for i, o in outcomes.items() if isinstance(o, BulkItemOutcome)]
    orders = await _fresh_orders(backend, list(dict.fromkeys(succeeded)))
    done = []
    for index in sorted(outcomes):
        o = outcomes[index]
        if isinstance(o, DomainError):
            done.append(BulkItemOutcome(index, error=o))
        else:
            done.append(BulkItemOutcome(index, orders.get(order_of[index]), o.id))
    return done


async def create_fulfillments(
    backend: WixBackend, items: Sequence[tuple[int, BulkFulfillment]], actor: Actor
) -> list[BulkItemOutcome]:
    """Each item checked by `fulfillments.create`, then one Bulk Create Fulfillments call (one entry per
    order, its fulfillments in request order)."""
    aggs = await backend.reader.aggregates(natives([item.order_id for _, item in items]))
    before = {k: {f.id for f in agg.fulfillments} for k, agg in aggs.items()}
    ctx = backend.context(actor)
    outcomes: dict[int, BulkItemOutcome | DomainError] = {}
    by_order: dict[str, list[tuple[int, FulfillmentDraft]]] = defaultdict(list)
    for index, item in items:
        prefix, order_field = ("input", str(index), "fulfillment"), ("input", str(index), "orderId")
        wix_id = wix.key(item.order_id) or ""
        agg = aggs.get(wix_id)
        if agg is None:
            outcomes[index] = NotFound("no order has that id", order_field)
            continue
        try:
            applied = fulfillments.create(agg, item.fulfillment, ctx)
        except DomainError as err:
            outcomes[index] = _placed(err, prefix, order_field)
            continue
        new = next(f for f in agg.fulfillments if f.id in applied.touched)
        by_order[wix_id].append((index, FulfillmentDraft(new.lines, new.tracking, new.status)))
    entries = list(by_order.items())
    if entries:
        body = {
            "ordersWithFulfillments": [
                {"orderId": wix_id, "fulfillments": [fulfillment_body(d) for _, d in drafts]}
                for wix_id, drafts in entries
            ]
        }
        try:
            answer = await backend.client.write(
                "POST", "/ecom/v1/fulfillments/orders/bulk/create-fulfillments", body
            )
            results = _by_original_index(answer)
        except UpstreamError as err:
            results = {}
            for _, drafts in entries:
                for index, _ in drafts:
                    outcomes[index] = UpstreamError(err.message, ("input", str(index)))
        now, logged, fresh = backend.clock(), [], {}
        for position, (wix_id, drafts) in enumerate(entries):
            if drafts[0][0] in outcomes:
                continue
            result = results.get(position)
            meta: Json = (result or {}).get("itemMetadata") or {}
            if result is None or not meta.get("success"):
                for index, _ in drafts:
                    outcomes[index] = (
                        _item_error(meta, ("input", str(index), "orderId"), "order")
                        if result
                        else UpstreamError("Wix gave no result for this order", ("input", str(index)))
                    )
                continue
            with wix.reading("a bulk fulfillments answer"):
                current: list[Json] = list(
                    (result.get("ordersWithFulfillments") or {}).get("fulfillments") or []
                )
            fresh[wix_id] = current
            logged.append(events.fulfillments_event(wix_id, current, now))
            new_ids = [f.id for f in wix.fulfillments(current) if f.id not in before[wix_id]]
            made: list[str | None] = [*new_ids, *[None] * len(drafts)]
            for (index, _), made_id in zip(drafts, made, strict=False):
                outcomes[index] = BulkItemOutcome(index, None, made_id)
        backend.reader.remember(**{FULFILLMENTS: fresh})
        await backend.log.append(logged)
    return await _finish(backend, outcomes, {i: wix.key(item.order_id) or "" for i, item in items})
