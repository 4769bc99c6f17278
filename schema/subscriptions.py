"""The Subscription type: live order events over WebSocket."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import strawberry

from app.domain.events import EVERY_EVENT
from app.events.hub import Delivery
from app.orders import OrderService
from schema.context import Info
from schema.fanout import enter_event
from schema.inputs import OMITTED, OrderEventFilter, opt
from schema.types.payloads import OrderEvent


async def _events(
    deliveries: AsyncGenerator[Delivery, None], service: OrderService
) -> AsyncGenerator[OrderEvent, None]:
    async with aclosing(deliveries):
        async for event, batch in deliveries:
            enter_event(batch, event.seq, service)  # shared with the batch's other subscribers
            yield OrderEvent.from_domain(event)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Live order events; with after, replays the stored ones first.")
    async def order_events(
        self, info: Info, filter: OrderEventFilter | None = OMITTED, after: str | None = OMITTED
    ) -> AsyncGenerator[OrderEvent, None]:
        deliveries = await info.context.events.follow(
            filter.to_domain() if filter else EVERY_EVENT, opt(after)
        )
        return _events(deliveries, info.context.service)
