"""The Subscription type."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app.domain.errors import Unsupported
from schema.context import Info
from schema.inputs import OMITTED, OrderEventFilter
from schema.types.payloads import OrderEvent


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Live order events; with after, replays the stored ones first.")
    async def order_events(
        self, info: Info, filter: OrderEventFilter | None = OMITTED, after: str | None = OMITTED
    ) -> AsyncGenerator[OrderEvent, None]:
        raise Unsupported("live order events are not available yet")
        yield  # pragma: no cover  (makes this an async generator)
