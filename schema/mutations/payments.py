"""Payment operations: add, change status (one or in bulk), refund, mark paid."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from schema.context import Info
from schema.inputs import OMITTED, OrderPaymentRef, PaymentInput, opt
from schema.mutations.results import bulk_payload, order_payload, payments_payload
from schema.types.enums import TransactionStatus
from schema.types.payloads import BulkPayload, OrderPayload, PaymentsPayload


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        description="Records an APPROVED OFFLINE payment for balance.due; nothing due is INVALID."
    )
    async def mark_order_paid(self, info: Info, id: strawberry.ID) -> OrderPayload:
        ctx = info.context
        return await order_payload(info, lambda: ctx.service.mark_order_paid(id, ctx.actor))

    @strawberry.mutation
    async def add_payments(
        self, info: Info, order_id: strawberry.ID, payments: list[PaymentInput]
    ) -> PaymentsPayload:
        ctx = info.context
        drafts = [p.to_domain() for p in payments]
        return await payments_payload(info, lambda: ctx.service.add_payments(order_id, drafts, ctx.actor))

    @strawberry.mutation
    async def update_payment_status(
        self, info: Info, order_id: strawberry.ID, payment_id: strawberry.ID, status: TransactionStatus
    ) -> PaymentsPayload:
        ctx = info.context
        return await payments_payload(
            info, lambda: ctx.service.update_payment_status(order_id, payment_id, status, ctx.actor)
        )

    @strawberry.mutation(
        description=(
            "1..300 payments at once, applied in the given order; each item succeeds or fails on its own. "
            "More items than that: LIMIT_EXCEEDED and nothing is processed."
        )
    )
    async def bulk_update_payment_statuses(
        self, info: Info, payments: list[OrderPaymentRef], status: TransactionStatus
    ) -> BulkPayload:
        ctx = info.context
        refs = [p.to_domain() for p in payments]
        return await bulk_payload(
            info, lambda: ctx.service.bulk_update_payment_statuses(refs, status, ctx.actor)
        )

    @strawberry.mutation(description="Gives back part or all of what is left of a captured payment.")
    async def refund_payment(
        self,
        info: Info,
        order_id: strawberry.ID,
        payment_id: strawberry.ID,
        amount: Decimal,
        reason: str | None = OMITTED,
    ) -> PaymentsPayload:
        ctx = info.context
        return await payments_payload(
            info, lambda: ctx.service.refund_payment(order_id, payment_id, amount, opt(reason), ctx.actor)
        )
