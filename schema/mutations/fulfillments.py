"""Fulfillment and tracking operations."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.inputs import BulkFulfillmentInput, FulfillmentInput, TrackingInput, UpdateFulfillmentInput
from schema.mutations.results import bulk_payload, fulfillment_payload, order_payload
from schema.types.payloads import BulkPayload, FulfillmentPayload, OrderPayload


@strawberry.type
class FulfillmentMutations:
    @strawberry.mutation(
        description=(
            "APPROVED or COMPLETED orders: puts every unfulfilled quantity into one new fulfillment, then "
            "moves every PENDING fulfillment to SHIPPED (DELIVERED ones stay)."
        )
    )
    async def mark_order_sent(self, info: Info, id: strawberry.ID) -> OrderPayload:
        ctx = info.context
        return await order_payload(info, lambda: ctx.service.mark_order_sent(id, ctx.actor))

    @strawberry.mutation(
        description=(
            "APPROVED or COMPLETED orders: as markOrderSent, then moves every fulfillment to DELIVERED."
        )
    )
    async def mark_order_delivered(self, info: Info, id: strawberry.ID) -> OrderPayload:
        ctx = info.context
        return await order_payload(info, lambda: ctx.service.mark_order_delivered(id, ctx.actor))

    @strawberry.mutation(
        description=(
            "APPROVED or COMPLETED orders. Attaches tracking: to a new fulfillment of all unfulfilled "
            "quantities, or, when everything is fulfilled, to the newest fulfillment."
        )
    )
    async def add_order_tracking(
        self, info: Info, order_id: strawberry.ID, input: TrackingInput
    ) -> FulfillmentPayload:
        ctx = info.context
        tracking = input.to_domain()
        return await fulfillment_payload(
            info, lambda: ctx.service.add_order_tracking(order_id, tracking, ctx.actor)
        )

    @strawberry.mutation(description="A new fulfillment of some units of an APPROVED order.")
    async def create_fulfillment(
        self, info: Info, order_id: strawberry.ID, input: FulfillmentInput
    ) -> FulfillmentPayload:
        ctx = info.context
        draft = input.to_domain()
        return await fulfillment_payload(
            info, lambda: ctx.service.create_fulfillment(order_id, draft, ctx.actor)
        )

    @strawberry.mutation(
        description="Changes a fulfillment's status (forward only) or tracking (null removes it); lines stay."
    )
    async def update_fulfillment(
        self,
        info: Info,
        order_id: strawberry.ID,
        fulfillment_id: strawberry.ID,
        input: UpdateFulfillmentInput,
    ) -> FulfillmentPayload:
        ctx = info.context
        patch = input.to_domain()
        return await fulfillment_payload(
            info, lambda: ctx.service.update_fulfillment(order_id, fulfillment_id, patch, ctx.actor)
        )

    @strawberry.mutation(description="Deletes a fulfillment; its units become unfulfilled again.")
    async def delete_fulfillment(
        self, info: Info, order_id: strawberry.ID, fulfillment_id: strawberry.ID
    ) -> FulfillmentPayload:
        ctx = info.context
        return await fulfillment_payload(
            info, lambda: ctx.service.delete_fulfillment(order_id, fulfillment_id, ctx.actor)
        )

    @strawberry.mutation(
        description=(
            "1..100 fulfillments, applied in the given order (several may target one order); each item "
            "succeeds or fails on its own. More items than that: LIMIT_EXCEEDED and nothing is processed."
        )
    )
    async def bulk_create_fulfillments(self, info: Info, input: list[BulkFulfillmentInput]) -> BulkPayload:
        ctx = info.context
        items = [item.to_domain() for item in input]
        return await bulk_payload(info, lambda: ctx.service.bulk_create_fulfillments(items, ctx.actor))
