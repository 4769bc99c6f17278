"""The order service: one async function per use case.

It checks input with `app.domain.rules`, picks the backend (by the source an id carries, or the `source`
a client names), and returns domain objects; rule violations surface as `DomainError`s.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from app.domain import fulfillments, ids, payments, rules
from app.domain.errors import DomainError, ErrorCode, NotFound, invalid
from app.domain.listing import MAX_IDS, OrderQuery, check_first
from app.domain.outcomes import BulkItemOutcome

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from app.backends.base import OrderBackend
    from app.backends.registry import BackendRegistry
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
    from app.domain.listing import OrderFilter, OrderPage, OrderSort
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
    from app.domain.outcomes import FulfillmentOutcome, PaymentsOutcome

T = TypeVar("T")
Item = TypeVar("Item")
KEY_MAX = 255


def fingerprint(value: object) -> str:
    """A stable hash of a command, with decimals compared by value and times in UTC."""

    def plain(v: Any) -> Any:
        if is_dataclass(v) and not isinstance(v, type):
            return plain(asdict(v))
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, Decimal):
            return format(v.normalize(), "f")
        if isinstance(v, datetime):
            return v.timestamp()
        if isinstance(v, Enum):
            return v.value
        return v

    raw = json.dumps(plain(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


class OrderService:
    """The use cases of the API, over whichever backends are switched on."""

    def __init__(self, backends: BackendRegistry, clock: Callable[[], datetime]) -> None:
        self.backends = backends
        self.clock = clock

    def _for_order(self, order_id: str, field: str = "id") -> OrderBackend:
        backend = self.backends.find(ids.source_of(order_id))
        if backend is None:
            raise NotFound("no order has that id", (field,))
        return backend

    async def _grouped(
        self, order_ids: Sequence[str], read: Callable[[OrderBackend, list[str]], Awaitable[Mapping[str, T]]]
    ) -> dict[str, T]:
        by_source: dict[str, list[str]] = defaultdict(list)
        for order_id in order_ids:
            source = ids.source_of(order_id)
            if source is not None and self.backends.find(source) is not None:
                by_source[source].append(order_id)
        found: dict[str, T] = {}
        for source, group in by_source.items():
            found.update(await read(self.backends.get(source), group))
        return found

    # ------------------------------------------------------------------------------------------ reads

    async def orders_by_ids(self, order_ids: Sequence[str]) -> list[Order | None]:
        """Orders in the order asked, None where an id matches none; at most 100 ids."""
        if len(order_ids) > MAX_IDS:
            raise DomainError(f"at most {MAX_IDS} ids at once", ("ids",), ErrorCode.LIMIT_EXCEEDED)
        found = await self._grouped(order_ids, lambda b, group: b.get_orders(group))
        return [found.get(order_id) for order_id in order_ids]

    async def order_by_number(self, number: str, source: str) -> Order | None:
        return await self.backends.get(source, "source").get_order_by_number(number)

    def _query_backend(self, f: OrderFilter) -> OrderBackend:
        for name, field in (
            ("created_after", "createdAfter"),
            ("created_before", "createdBefore"),
            ("updated_after", "updatedAfter"),
        ):
            try:
                rules.aware(getattr(f, name), field)
            except DomainError as err:
                raise err.at("filter") from None
        return self.backends.get(f.source, "filter", "source")

    async def search(self, f: OrderFilter, sort: OrderSort, first: int, after: str | None) -> OrderPage:
        check_first(first)
        return await self._query_backend(f).search_orders(OrderQuery(f, sort, first, after))

    async def count(self, f: OrderFilter) -> int:
        return await self._query_backend(f).count_orders(f)

    async def line_items(self, order_ids: Sequence[str]) -> dict[str, list[LineItem]]:
        return await self._grouped(order_ids, lambda b, group: b.line_items(group))

    async def history(self, order_ids: Sequence[str]) -> dict[str, list[HistoryEntry]]:
        return await self._grouped(order_ids, lambda b, group: b.history(group))

    async def payments(self, order_ids: Sequence[str]) -> dict[str, list[Payment]]:
        return await self._grouped(order_ids, lambda b, group: b.payments(group))

    async def fulfillments(self, order_ids: Sequence[str]) -> dict[str, list[Fulfillment]]:
        return await self._grouped(order_ids, lambda b, group: b.fulfillments(group))

    async def statuses(self, source: str | None) -> list[CustomStatus]:
        """The statuses of `source`, or of every backend (in the registry's order) when it is None."""
        if source is not None:
            return await self.backends.get(source, "source").statuses()
        merged: list[CustomStatus] = []
        for name in self.backends.names:
            merged += await self.backends.get(name).statuses()
        return merged

    async def statuses_by_id(self, status_ids: Sequence[str]) -> dict[str, CustomStatus]:
        by_source: dict[str, list[str]] = defaultdict(list)
        for status_id in status_ids:
            by_source[ids.source_of(status_id) or ""].append(status_id)
        found: dict[str, CustomStatus] = {}
        for source, group in by_source.items():
            backend = self.backends.find(source)
            if backend is not None:
                found.update(await backend.statuses_by_id(group))
        return found

    # ----------------------------------------------------------------------------------------- writes

    async def create_order(self, cmd: CreateOrder, key: str | None, actor: Actor) -> Order:
        """Checks and creates an order; a repeated idempotency key with the same input returns the first."""
        backend = self.backends.get(cmd.source, "input", "source")
        if key is not None and not 1 <= len(key) <= KEY_MAX:
            raise invalid(f"idempotencyKey must have 1 to {KEY_MAX} characters", "idempotencyKey")
        try:
            checked = rules.create_order(cmd, self.clock())
        except DomainError as err:
            raise err.at("input") from None
        return await backend.create_order(
            checked, actor, key, fingerprint(checked) if key is not None else ""
        )

    async def define_status(self, cmd: DefineStatus) -> CustomStatus:
        backend = self.backends.get(cmd.source, "input", "source")
        try:
            checked = rules.status_definition(cmd)
        except DomainError as err:
            raise err.at("input") from None
        return await backend.define_status(checked)

    async def update_order(
        self, order_id: str, patch: UpdateOrder, expected: int | None, actor: Actor
    ) -> Order:
        return await self._for_order(order_id).update_order(order_id, patch, expected, actor)

    async def approve_order(self, order_id: str, actor: Actor) -> Order:
        return await self._for_order(order_id).approve_order(order_id, actor)

    async def cancel_order(self, order_id: str, reason: str | None, actor: Actor) -> Order:
        return await self._for_order(order_id).cancel_order(order_id, reason, actor)

    async def complete_order(self, order_id: str, actor: Actor) -> Order:
        return await self._for_order(order_id).complete_order(order_id, actor)

    async def set_order_status(self, order_id: str, status_id: str | None, actor: Actor) -> Order:
        return await self._for_order(order_id).set_order_status(order_id, status_id, actor)

    async def add_line_item(self, order_id: str, draft: LineItemDraft, actor: Actor) -> Order:
        return await self._for_order(order_id, "orderId").add_line_item(order_id, draft, actor)

    async def update_line_item(
        self, order_id: str, line_id: str, patch: UpdateLineItem, actor: Actor
    ) -> Order:
        return await self._for_order(order_id, "orderId").update_line_item(order_id, line_id, patch, actor)

    async def remove_line_item(self, order_id: str, line_id: str, actor: Actor) -> Order:
        return await self._for_order(order_id, "orderId").remove_line_item(order_id, line_id, actor)

    async def add_history(self, order_id: str, message: str, actor: Actor) -> Order:
        return await self._for_order(order_id, "orderId").add_history(order_id, message, actor)

    async def add_payments(
        self, order_id: str, drafts: Sequence[PaymentDraft], actor: Actor
    ) -> PaymentsOutcome:
        return await self._for_order(order_id, "orderId").add_payments(order_id, drafts, actor)

    async def update_payment_status(
        self, order_id: str, payment_id: str, status: TransactionStatus, actor: Actor
    ) -> PaymentsOutcome:
        backend = self._for_order(order_id, "orderId")
        return await backend.update_payment_status(order_id, payment_id, status, actor)

    async def bulk_update_payment_statuses(
        self, refs: Sequence[PaymentRef], status: TransactionStatus, actor: Actor
    ) -> list[BulkItemOutcome]:
        """1..300 refs, applied in order, each on its own; outcomes in the order asked."""
        return await self._bulk(
            refs,
            payments.MAX_BULK,
            "payments",
            lambda ref: ref.order_id,
            lambda backend, items: backend.bulk_update_payment_statuses(items, status, actor),
        )

    async def refund_payment(
        self, order_id: str, payment_id: str, amount: Decimal, reason: str | None, actor: Actor
    ) -> PaymentsOutcome:
        backend = self._for_order(order_id, "orderId")
        return await backend.refund_payment(order_id, payment_id, amount, reason, actor)

    async def mark_order_paid(self, order_id: str, actor: Actor) -> Order:
        return await self._for_order(order_id).mark_order_paid(order_id, actor)

    async def create_fulfillment(
        self, order_id: str, draft: FulfillmentDraft, actor: Actor
    ) -> FulfillmentOutcome:
        return await self._for_order(order_id, "orderId").create_fulfillment(order_id, draft, actor)

    async def update_fulfillment(
        self, order_id: str, fulfillment_id: str, patch: UpdateFulfillment, actor: Actor
    ) -> FulfillmentOutcome:
        backend = self._for_order(order_id, "orderId")
        return await backend.update_fulfillment(order_id, fulfillment_id, patch, actor)

    async def delete_fulfillment(
        self, order_id: str, fulfillment_id: str, actor: Actor
    ) -> FulfillmentOutcome:
        backend = self._for_order(order_id, "orderId")
        return await backend.delete_fulfillment(order_id, fulfillment_id, actor)

    async def bulk_create_fulfillments(
        self, items: Sequence[BulkFulfillment], actor: Actor
    ) -> list[BulkItemOutcome]:
        """1..100 fulfillments, applied in order (several may target one order), each on its own."""
        return await self._bulk(
            items,
            fulfillments.MAX_BULK,
            "input",
            lambda item: item.order_id,
            lambda backend, group: backend.bulk_create_fulfillments(group, actor),
        )

    async def mark_order_sent(self, order_id: str, actor: Actor) -> Order:
        return await self._for_order(order_id).mark_order_sent(order_id, actor)

    async def mark_order_delivered(self, order_id: str, actor: Actor) -> Order:
        return await self._for_order(order_id).mark_order_delivered(order_id, actor)

    async def add_order_tracking(self, order_id: str, info: TrackingInfo, actor: Actor) -> FulfillmentOutcome:
        return await self._for_order(order_id, "orderId").add_order_tracking(order_id, info, actor)

    async def _bulk(
        self,
        items: Sequence[Item],
        limit: int,
        field: str,
        order_of: Callable[[Item], str],
        run: Callable[[OrderBackend, list[tuple[int, Item]]], Awaitable[list[BulkItemOutcome]]],
    ) -> list[BulkItemOutcome]:
        """Checks a bulk request's size, then hands each backend its items; outcomes come back in order."""
        if not items:
            raise invalid("give at least one item", field)
        if len(items) > limit:
            raise DomainError(f"at most {limit} items at once", (field,), ErrorCode.LIMIT_EXCEEDED)
        by_backend: dict[str, list[tuple[int, Item]]] = defaultdict(list)
        outcomes: list[BulkItemOutcome] = []
        for index, item in enumerate(items):
            source = ids.source_of(order_of(item))
            if source is None or self.backends.find(source) is None:
                missing = NotFound("no order has that id", (field, str(index), "orderId"))
                outcomes.append(BulkItemOutcome(index, error=missing))
            else:
                by_backend[source].append((index, item))
        for source, group in by_backend.items():
            outcomes += await run(self.backends.get(source), group)
        return sorted(outcomes, key=lambda o: o.index)
