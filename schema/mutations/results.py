"""Turning service results into payloads: the changed objects on success, userErrors on a rule violation.

The loaders forget every changed order so that nested fields in the same response show its new state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from app.domain.errors import PartlyApplied
from schema.errors import user_errors
from schema.types.order import Fulfillment, Order, Payment
from schema.types.payloads import (
    BulkActionMetadata,
    BulkItemResult,
    BulkPayload,
    FulfillmentPayload,
    OrderPayload,
    PaymentsPayload,
    UserError,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from app.domain import model
    from app.domain.outcomes import BulkItemOutcome, FulfillmentOutcome, PaymentsOutcome
    from schema.context import Info


def _fresh(info: Info, order: model.Order) -> Order:
    info.context.loaders.forget(order)
    return Order.from_domain(order)


async def order_payload(info: Info, action: Callable[[], Awaitable[model.Order]]) -> OrderPayload:
    order, error = await user_errors(action)
    if isinstance(error, PartlyApplied):  # e.g. created upstream, payments not recorded: show both
        return OrderPayload(order=_fresh(info, error.order), user_errors=[UserError.from_domain(error)])
    if error is not None or order is None:
        return OrderPayload(order=None, user_errors=[UserError.from_domain(error)] if error else [])
    return OrderPayload(order=_fresh(info, order), user_errors=[])


async def payments_payload(info: Info, action: Callable[[], Awaitable[PaymentsOutcome]]) -> PaymentsPayload:
    done, error = await user_errors(action)
    if error is not None or done is None:
        return PaymentsPayload(
            order=None, payments=[], user_errors=[UserError.from_domain(error)] if error else []
        )
    return PaymentsPayload(
        order=_fresh(info, done.order),
        payments=[Payment.from_domain(p) for p in done.payments],
        user_errors=[],
    )


async def fulfillment_payload(
    info: Info, action: Callable[[], Awaitable[FulfillmentOutcome]]
) -> FulfillmentPayload:
    done, error = await user_errors(action)
    if error is not None or done is None:
        return FulfillmentPayload(
            order=None, fulfillment=None, user_errors=[UserError.from_domain(error)] if error else []
        )
    f = done.fulfillment
    return FulfillmentPayload(
        order=_fresh(info, done.order),
        fulfillment=Fulfillment.from_domain(f, done.order.id) if f else None,
        user_errors=[],
    )


async def bulk_payload(info: Info, action: Callable[[], Awaitable[list[BulkItemOutcome]]]) -> BulkPayload:
    outcomes, error = await user_errors(action)
    if error is not None or outcomes is None:
        return BulkPayload(
            results=[],
            bulk_action_metadata=BulkActionMetadata(total_successes=0, total_failures=0),
            user_errors=[UserError.from_domain(error)] if error else [],
        )
    orders = {o.order.id: _fresh(info, o.order) for o in outcomes if o.order is not None}
    results = [
        BulkItemResult(
            original_index=o.index,
            success=o.success,
            id=_id(o.id),
            order=orders[o.order.id] if o.order else None,
            error=UserError.from_domain(o.error) if o.error else None,
        )
        for o in outcomes
    ]
    successes = sum(o.success for o in outcomes)
    return BulkPayload(
        results=results,
        bulk_action_metadata=BulkActionMetadata(
            total_successes=successes, total_failures=len(outcomes) - successes
        ),
        user_errors=[],
    )


def _id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)
