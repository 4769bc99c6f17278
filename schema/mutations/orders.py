"""Order lifecycle, details, custom statuses and history."""

from __future__ import annotations

import strawberry

from app.domain.commands import DefineStatus
from schema.context import Info
from schema.errors import user_errors
from schema.inputs import (
    OMITTED,
    CreateOrderInput,
    CustomOrderStatusInput,
    HistoryInput,
    UpdateOrderInput,
    opt,
)
from schema.mutations.results import order_payload
from schema.types.order import CustomOrderStatus
from schema.types.payloads import CustomOrderStatusPayload, OrderPayload, UserError


@strawberry.type
class OrderMutations:
    @strawberry.mutation(description="Creates an order, or records one placed elsewhere (externalId).")
    async def create_order(
        self, info: Info, input: CreateOrderInput, idempotency_key: str | None = OMITTED
    ) -> OrderPayload:
        ctx = info.context
        return await order_payload(
            info, lambda: ctx.service.create_order(input.to_domain(), opt(idempotency_key), ctx.actor)
        )

    @strawberry.mutation(
        description="Changes the order's details: an omitted field stays, an explicit null clears it."
    )
    async def update_order(
        self, info: Info, id: strawberry.ID, input: UpdateOrderInput, expected_revision: int | None = OMITTED
    ) -> OrderPayload:
        ctx = info.context
        return await order_payload(
            info, lambda: ctx.service.update_order(id, input.to_domain(), opt(expected_revision), ctx.actor)
        )

    @strawberry.mutation
    async def approve_order(self, info: Info, id: strawberry.ID) -> OrderPayload:
        return await order_payload(info, lambda: info.context.service.approve_order(id, info.context.actor))

    @strawberry.mutation
    async def cancel_order(self, info: Info, id: strawberry.ID, reason: str | None = OMITTED) -> OrderPayload:
        return await order_payload(
            info, lambda: info.context.service.cancel_order(id, opt(reason), info.context.actor)
        )

    @strawberry.mutation(description="Marks the order done (COMPLETED).")
    async def complete_order(self, info: Info, id: strawberry.ID) -> OrderPayload:
        return await order_payload(info, lambda: info.context.service.complete_order(id, info.context.actor))

    @strawberry.mutation(description="Assigns one of the shop's own statuses; null clears it.")
    async def set_order_status(
        self, info: Info, id: strawberry.ID, status_id: strawberry.ID | None = OMITTED
    ) -> OrderPayload:
        return await order_payload(
            info, lambda: info.context.service.set_order_status(id, opt(status_id), info.context.actor)
        )

    @strawberry.mutation
    async def define_order_status(
        self, info: Info, input: CustomOrderStatusInput
    ) -> CustomOrderStatusPayload:
        cmd = DefineStatus(name=input.name, color=opt(input.color), source=input.source or "local")
        status, error = await user_errors(lambda: info.context.service.define_status(cmd))
        return CustomOrderStatusPayload(
            status=CustomOrderStatus.from_domain(status) if status else None,
            user_errors=[UserError.from_domain(error)] if error else [],
        )

    @strawberry.mutation(description="Adds a manual entry to the order's history.")
    async def add_order_history(
        self, info: Info, order_id: strawberry.ID, input: HistoryInput
    ) -> OrderPayload:
        return await order_payload(
            info, lambda: info.context.service.add_history(order_id, input.message, info.context.actor)
        )
