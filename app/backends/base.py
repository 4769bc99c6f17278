"""The `OrderBackend` port: what every order store or upstream adapter offers the service.

Every method takes and returns `app.domain` objects and raises `DomainError`s; ids are public ids. Reads
of child collections take many order ids at once so a page of orders costs a constant number of calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from decimal import Decimal

    from app.domain.commands import (
        Actor,
        BulkFulfillment,
        CreateOrder,
        DefineStatus,
        FulfillmentDraft,
        LineItemDraft,
        PaymentDraft,
        PaymentRef,
        UpdateFulfillment,
        UpdateLineItem,
        UpdateOrder,
    )
    from app.domain.listing import OrderFilter, OrderPage, OrderQuery
    from app.domain.model import (
        CustomStatus,
        Fulfillment,
        HistoryEntry,
        LineItem,
        Order,
        Payment,
        TrackingInfo,
        TransactionStatus,
    )
    from app.domain.outcomes import BulkItemOutcome, FulfillmentOutcome, PaymentsOutcome


class OrderBackend(Protocol):
    """One system that holds orders (`name` is the `source` clients see)."""

    name: str

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]: ...
    async def get_order_by_number(self, number: str) -> Order | None: ...
    async def search_orders(self, query: OrderQuery) -> OrderPage: ...
    async def count_orders(self, filter: OrderFilter) -> int: ...

    async def line_items(self, order_ids: Sequence[str]) -> Mapping[str, list[LineItem]]: ...
    async def history(self, order_ids: Sequence[str]) -> Mapping[str, list[HistoryEntry]]: ...
    async def payments(self, order_ids: Sequence[str]) -> Mapping[str, list[Payment]]: ...
    async def fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]: ...

    async def statuses(self) -> list[CustomStatus]: ...
    async def statuses_by_id(self, ids: Sequence[str]) -> Mapping[str, CustomStatus]: ...
    async def define_status(self, cmd: DefineStatus) -> CustomStatus: ...

    async def create_order(self, cmd: CreateOrder, actor: Actor, key: str | None, fingerprint: str) -> Order:
        """Creates a checked order; with `key`, a repeat with the same fingerprint returns the first order
        (without a key the fingerprint is empty: it is not computed)."""
        ...

    async def update_order(
        self, order_id: str, patch: UpdateOrder, expected_revision: int | None, actor: Actor
    ) -> Order: ...
    async def approve_order(self, order_id: str, actor: Actor) -> Order: ...
    async def cancel_order(self, order_id: str, reason: str | None, actor: Actor) -> Order: ...
    async def complete_order(self, order_id: str, actor: Actor) -> Order: ...
    async def set_order_status(self, order_id: str, status_id: str | None, actor: Actor) -> Order: ...
    async def add_line_item(self, order_id: str, draft: LineItemDraft, actor: Actor) -> Order: ...
    async def update_line_item(
        self, order_id: str, line_id: str, patch: UpdateLineItem, actor: Actor
    ) -> Order: ...
    async def remove_line_item(self, order_id: str, line_id: str, actor: Actor) -> Order: ...
    async def add_history(self, order_id: str, message: str, actor: Actor) -> Order: ...

    async def add_payments(
        self, order_id: str, drafts: Sequence[PaymentDraft], actor: Actor
    ) -> PaymentsOutcome: ...
    async def update_payment_status(
        self, order_id: str, payment_id: str, status: TransactionStatus, actor: Actor
    ) -> PaymentsOutcome: ...
    async def bulk_update_payment_statuses(
        self, refs: Sequence[tuple[int, PaymentRef]], status: TransactionStatus, actor: Actor
    ) -> list[BulkItemOutcome]:
        """Each (index in the request, ref) succeeds or fails on its own; one outcome per ref."""
        ...

    async def refund_payment(
        self, order_id: str, payment_id: str, amount: Decimal, reason: str | None, actor: Actor
    ) -> PaymentsOutcome: ...
    async def mark_order_paid(self, order_id: str, actor: Actor) -> Order: ...

    async def create_fulfillment(
        self, order_id: str, draft: FulfillmentDraft, actor: Actor
    ) -> FulfillmentOutcome: ...
    async def update_fulfillment(
        self, order_id: str, fulfillment_id: str, patch: UpdateFulfillment, actor: Actor
    ) -> FulfillmentOutcome: ...
    async def delete_fulfillment(
        self, order_id: str, fulfillment_id: str, actor: Actor
    ) -> FulfillmentOutcome: ...
    async def bulk_create_fulfillments(
        self, items: Sequence[tuple[int, BulkFulfillment]], actor: Actor
    ) -> list[BulkItemOutcome]:
        """Each (index in the request, item) succeeds or fails on its own; one outcome per item."""
        ...

    async def mark_order_sent(self, order_id: str, actor: Actor) -> Order: ...
    async def mark_order_delivered(self, order_id: str, actor: Actor) -> Order: ...
    async def add_order_tracking(
        self, order_id: str, info: TrackingInfo, actor: Actor
    ) -> FulfillmentOutcome: ...
