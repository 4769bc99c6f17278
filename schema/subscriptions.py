"""The Subscription type: live order events over WebSocket."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from weakref import WeakKeyDictionary

import strawberry

from app.domain.events import EVERY_EVENT
from app.events.hub import Delivery
from app.events.log import EventBatch
from app.orders import OrderService
from schema.context import Info, resolve_event_with
from schema.inputs import OMITTED, OrderEventFilter, opt
from schema.loaders import Loaders
from schema.types.payloads import OrderEvent

# One set of loaders per batch read from the log, for every subscriber that receives the batch: a fan-out
# to many subscribers reads each order once. Entries go with the batch.
_batch_loaders: WeakKeyDictionary[EventBatch, Loaders] = WeakKeyDictionary()


def _loaders_of(batch: EventBatch, service: OrderService) -> Loaders:
    loaders = _batch_loaders.get(batch)
    if loaders is None:
        loaders = _batch_loaders[batch] = Loaders(service, shared=True)
    return loaders


async def _events(
    deliveries: AsyncGenerator[Delivery, None], service: OrderService
) -> AsyncGenerator[OrderEvent, None]:
    async with aclosing(deliveries):
        async for event, batch in deliveries:
            resolve_event_with(_loaders_of(batch, service))
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
