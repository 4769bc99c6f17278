"""Line-item changes."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.inputs import LineItemInput, UpdateLineItemInput
from schema.mutations.results import order_payload
from schema.types.payloads import OrderPayload


@strawberry.type
class LineItemMutations:
    @strawberry.mutation
    async def add_line_item(self, info: Info, order_id: strawberry.ID, input: LineItemInput) -> OrderPayload:
        ctx = info.context
        return await order_payload(
            info, lambda: ctx.service.add_line_item(order_id, input.to_domain(), ctx.actor)
        )

    @strawberry.mutation
    async def update_line_item(
        self, info: Info, order_id: strawberry.ID, line_item_id: strawberry.ID, input: UpdateLineItemInput
    ) -> OrderPayload:
        ctx = info.context
        return await order_payload(
            info, lambda: ctx.service.update_line_item(order_id, line_item_id, input.to_domain(), ctx.actor)
        )

    @strawberry.mutation
    async def remove_line_item(
        self, info: Info, order_id: strawberry.ID, line_item_id: strawberry.ID
    ) -> OrderPayload:
        ctx = info.context
        return await order_payload(
            info, lambda: ctx.service.remove_line_item(order_id, line_item_id, ctx.actor)
        )
