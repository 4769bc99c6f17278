"""Turning service results into payloads: the order on success, userErrors on a rule violation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schema.errors import user_errors
from schema.types.order import Order
from schema.types.payloads import OrderPayload, UserError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from app.domain import model
    from schema.context import Info


async def order_payload(info: Info, action: Callable[[], Awaitable[model.Order]]) -> OrderPayload:
    """Runs `action`; the loaders forget the changed order so nested fields show its new state."""
    order, error = await user_errors(action)
    if error is not None or order is None:
        return OrderPayload(order=None, user_errors=[UserError.from_domain(error)] if error else [])
    info.context.loaders.forget(order)
    return OrderPayload(order=Order.from_domain(order), user_errors=[])
