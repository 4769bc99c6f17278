"""Fulfillment and tracking operations; the local store does not fulfil orders yet."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.inputs import BulkFulfillmentInput, FulfillmentInput, TrackingInput, UpdateFulfillmentInput
from schema.mutations.payments import not_yet
from schema.types.payloads import BulkActionMetadata, BulkPayload, FulfillmentPayload, OrderPayload


@strawberry.type
class FulfillmentMutations:
    @strawberry.mutation(description="APPROVED or COMPLETED orders: fulfils everything, then ships it.")
    async def mark_order_sent(self, info: Info, id: strawberry.ID) -> OrderPayload:
        return OrderPayload(order=None, user_errors=not_yet("markOrderSent"))

    @strawberry.mutation(
        description="APPROVED or COMPLETED orders: as markOrderSent, then delivers everything."
    )
    async def mark_order_delivered(self, info: Info, id: strawberry.ID) -> OrderPayload:
        return OrderPayload(order=None, user_errors=not_yet("markOrderDelivered"))

    @strawberry.mutation(description="APPROVED or COMPLETED orders: attaches tracking.")
    async def add_order_tracking(
        self, info: Info, order_id: strawberry.ID, input: TrackingInput
    ) -> FulfillmentPayload:
        return FulfillmentPayload(order=None, fulfillment=None, user_errors=not_yet("addOrderTracking"))

    @strawberry.mutation
    async def create_fulfillment(
        self, info: Info, order_id: strawberry.ID, input: FulfillmentInput
    ) -> FulfillmentPayload:
        return FulfillmentPayload(order=None, fulfillment=None, user_errors=not_yet("createFulfillment"))

    @strawberry.mutation
    async def update_fulfillment(
        self,
        info: Info,
        order_id: strawberry.ID,
        fulfillment_id: strawberry.ID,
        input: UpdateFulfillmentInput,
    ) -> FulfillmentPayload:
        return FulfillmentPayload(order=None, fulfillment=None, user_errors=not_yet("updateFulfillment"))

    @strawberry.mutation
    async def delete_fulfillment(
        self, info: Info, order_id: strawberry.ID, fulfillment_id: strawberry.ID
    ) -> FulfillmentPayload:
        return FulfillmentPayload(order=None, fulfillment=None, user_errors=not_yet("deleteFulfillment"))

    @strawberry.mutation(description="1..100 fulfillments, applied in the given order.")
    async def bulk_create_fulfillments(self, info: Info, input: list[BulkFulfillmentInput]) -> BulkPayload:
        return BulkPayload(
            results=[],
            bulk_action_metadata=BulkActionMetadata(total_successes=0, total_failures=0),
            user_errors=not_yet("bulkCreateFulfillments"),
        )
