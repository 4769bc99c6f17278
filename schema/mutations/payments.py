"""Payment operations (markOrderPaid included); the local store does not take payments yet."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from app.domain.errors import Unsupported
from schema.context import Info
from schema.inputs import OMITTED, OrderPaymentRef, PaymentInput
from schema.types.enums import TransactionStatus
from schema.types.payloads import BulkActionMetadata, BulkPayload, OrderPayload, PaymentsPayload, UserError


def not_yet(operation: str) -> list[UserError]:
    """The userErrors of an operation no backend offers yet."""
    return [UserError.from_domain(Unsupported(f"{operation} is not supported by this backend yet"))]


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        description="Records an APPROVED OFFLINE payment for balance.due; nothing due is INVALID."
    )
    async def mark_order_paid(self, info: Info, id: strawberry.ID) -> OrderPayload:
        return OrderPayload(order=None, user_errors=not_yet("markOrderPaid"))

    @strawberry.mutation
    async def add_payments(
        self, info: Info, order_id: strawberry.ID, payments: list[PaymentInput]
    ) -> PaymentsPayload:
        return PaymentsPayload(order=None, payments=[], user_errors=not_yet("addPayments"))

    @strawberry.mutation
    async def update_payment_status(
        self, info: Info, order_id: strawberry.ID, payment_id: strawberry.ID, status: TransactionStatus
    ) -> PaymentsPayload:
        return PaymentsPayload(order=None, payments=[], user_errors=not_yet("updatePaymentStatus"))

    @strawberry.mutation(description="1..300 payments at once, applied in the given order.")
    async def bulk_update_payment_statuses(
        self, info: Info, payments: list[OrderPaymentRef], status: TransactionStatus
    ) -> BulkPayload:
        return BulkPayload(
            results=[],
            bulk_action_metadata=BulkActionMetadata(total_successes=0, total_failures=0),
            user_errors=not_yet("bulkUpdatePaymentStatuses"),
        )

    @strawberry.mutation
    async def refund_payment(
        self,
        info: Info,
        order_id: strawberry.ID,
        payment_id: strawberry.ID,
        amount: Decimal,
        reason: str | None = OMITTED,
    ) -> PaymentsPayload:
        return PaymentsPayload(order=None, payments=[], user_errors=not_yet("refundPayment"))
