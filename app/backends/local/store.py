"""The local backend: orders in the gateway's own SQL store.

Every change is one write transaction: load the aggregate (row-locked on PostgreSQL), let `app.domain`
decide, then write the order row, the changed children, the history entries and the event rows together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update

from app.backends.local import mapping, queries
from app.backends.local.tables import (
    CounterRow,
    EventRow,
    FulfillmentRow,
    HistoryRow,
    IdempotencyRow,
    LineItemRow,
    OrderRow,
    PaymentRow,
    StatusRow,
)
from app.domain import changes, fulfillments, ids, payments
from app.domain.changes import ChangeContext, Step
from app.domain.errors import DomainError, ErrorCode, NotFound, invalid
from app.domain.listing import OrderPage
from app.domain.model import OrderAggregate
from app.domain.outcomes import BulkItemOutcome, FulfillmentOutcome, PaymentsOutcome

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncConnection

    from app.backends.local.database import Database
    from app.domain.changes import Change
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
    from app.domain.listing import OrderFilter, OrderQuery
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

SOURCE = "local"
FIRST_NUMBER = 10001

orders_t: Table = OrderRow.__table__  # type: ignore[attr-defined]
lines_t: Table = LineItemRow.__table__  # type: ignore[attr-defined]
payments_t: Table = PaymentRow.__table__  # type: ignore[attr-defined]
fulfillments_t: Table = FulfillmentRow.__table__  # type: ignore[attr-defined]
history_t: Table = HistoryRow.__table__  # type: ignore[attr-defined]
events_t: Table = EventRow.__table__  # type: ignore[attr-defined]
statuses_t: Table = StatusRow.__table__  # type: ignore[attr-defined]
counters_t: Table = CounterRow.__table__  # type: ignore[attr-defined]
idempotency_t: Table = IdempotencyRow.__table__  # type: ignore[attr-defined]

Decide = Callable[[OrderAggregate, ChangeContext], "Change | None"]


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """An order before and after one change (`change` is None when nothing changed)."""

    before: OrderAggregate
    after: OrderAggregate
    change: Change | None

    def payments(self, payment_ids: Sequence[str]) -> PaymentsOutcome:
        by_id = {p.id: p for p in self.after.payments}
        return PaymentsOutcome(self.after.order, tuple(by_id[i] for i in payment_ids))

    def fulfillment(self, fulfillment_id: str | None) -> FulfillmentOutcome:
        found = [f for f in (*self.after.fulfillments, *self.before.fulfillments) if f.id == fulfillment_id]
        return FulfillmentOutcome(self.after.order, found[0] if found else None)

    @property
    def touched(self) -> tuple[str, ...]:
        return self.change.touched if self.change else ()


@dataclass(frozen=True, slots=True)
class BulkStep:
    """One item of a bulk request as a step on its order; `prefix` is where the item sits in the request."""

    index: int
    order_id: str
    step: Step
    prefix: tuple[str, ...]
    order_field: tuple[str, ...]


def _copy(agg: OrderAggregate) -> OrderAggregate:
    return OrderAggregate(agg.order, list(agg.line_items), list(agg.payments), list(agg.fulfillments))


def utcnow() -> datetime:
    """Now in UTC, at the millisecond precision the API shows."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class LocalBackend:
    """`OrderBackend` over the SQL store."""

    name = SOURCE

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    def _context(self, actor: Actor) -> ChangeContext:
        return ChangeContext(now=self.clock(), author=actor.name, new_id=ids.new_local)

    # ------------------------------------------------------------------------------------------ reads

    async def get_orders(self, order_ids: Sequence[str]) -> Mapping[str, Order]:
        local = [i for i in order_ids if ids.source_of(i) == SOURCE]
        if not local:
            return {}
        async with self.db.read() as conn:
            rows = (await conn.execute(select(orders_t).where(orders_t.c.id.in_(local)))).mappings()
            return {row["id"]: mapping.order_from_row(row) for row in rows}

    async def get_order_by_number(self, number: str) -> Order | None:
        if not number.isdigit() or len(number) > 18:
            return None
        async with self.db.read() as conn:
            row = (
                (await conn.execute(select(orders_t).where(orders_t.c.number == int(number))))
                .mappings()
                .first()
            )
        return mapping.order_from_row(row) if row else None

    async def search_orders(self, query: OrderQuery) -> OrderPage:
        async with self.db.read() as conn:
            rows = list((await conn.execute(queries.page_select(query))).mappings())
        page = rows[: query.first]
        return OrderPage(
            orders=[mapping.order_from_row(r) for r in page],
            cursors=[queries.cursor_for(r, query.sort) for r in page],
            has_next=len(rows) > query.first,
        )

    async def count_orders(self, filter: OrderFilter) -> int:
        async with self.db.read() as conn:
            return int((await conn.execute(queries.count_select(filter))).scalar_one())

    async def _children(self, table: Table, order_ids: Sequence[str], *order_by: Any) -> dict[str, list[Any]]:
        """Rows of a child table for many orders in one statement, each with its order's currency."""
        grouped: dict[str, list[Any]] = defaultdict(list)
        if order_ids:
            async with self.db.read() as conn:
                stmt = (
                    select(table, orders_t.c.currency.label("order_currency"))
                    .join(orders_t, orders_t.c.id == table.c.order_id)
                    .where(table.c.order_id.in_(order_ids))
                    .order_by(*order_by)
                )
                for row in (await conn.execute(stmt)).mappings():
                    grouped[row["order_id"]].append(row)
        return grouped

    async def line_items(self, order_ids: Sequence[str]) -> Mapping[str, list[LineItem]]:
        rows = await self._children(lines_t, order_ids, lines_t.c.position)
        return {oid: [mapping.line_from_row(r, r["order_currency"]) for r in rs] for oid, rs in rows.items()}

    async def payments(self, order_ids: Sequence[str]) -> Mapping[str, list[Payment]]:
        rows = await self._children(payments_t, order_ids, payments_t.c.position)
        return {
            oid: [mapping.payment_from_row(r, r["order_currency"]) for r in rs] for oid, rs in rows.items()
        }

    async def fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        rows = await self._children(fulfillments_t, order_ids, fulfillments_t.c.position)
        return {oid: [mapping.fulfillment_from_row(r) for r in rs] for oid, rs in rows.items()}

    async def history(self, order_ids: Sequence[str]) -> Mapping[str, list[HistoryEntry]]:
        rows = await self._children(history_t, order_ids, history_t.c.revision, history_t.c.ordinal)
        return {oid: [mapping.history_from_row(r) for r in rs] for oid, rs in rows.items()}

    async def statuses(self) -> list[CustomStatus]:
        async with self.db.read() as conn:
            rows = (await conn.execute(select(statuses_t).order_by(statuses_t.c.position))).mappings()
            return [mapping.status_from_row(r) for r in rows]

    async def statuses_by_id(self, status_ids: Sequence[str]) -> Mapping[str, CustomStatus]:
        async with self.db.read() as conn:
            rows = (await conn.execute(select(statuses_t).where(statuses_t.c.id.in_(status_ids)))).mappings()
            return {r["id"]: mapping.status_from_row(r) for r in rows}

    # ----------------------------------------------------------------------------------------- writes

    async def define_status(self, cmd: DefineStatus) -> CustomStatus:
        async with self.db.write() as conn:
            taken = await conn.execute(
                select(statuses_t.c.id).where(func.lower(statuses_t.c.name) == cmd.name.lower())
            )
            if taken.first() is not None:
                raise invalid(f"a status named {cmd.name!r} exists already", "input", "name")
            position = (
                await conn.execute(select(func.coalesce(func.max(statuses_t.c.position), 0)))
            ).scalar_one()
            row = {
                "id": ids.new_local("OrderStatus"),
                "position": position + 1,
                "name": cmd.name,
                "color": cmd.color,
                "created_at": self.clock(),
            }
            await conn.execute(insert(statuses_t).values(row))
        return mapping.status_from_row(row)  # type: ignore[arg-type]

    async def create_order(self, cmd: CreateOrder, actor: Actor, key: str | None, fingerprint: str) -> Order:
        async with self.db.write() as conn:
            if key is not None:
                found = (
                    (await conn.execute(select(idempotency_t).where(idempotency_t.c.key == key)))
                    .mappings()
                    .first()
                )
                if found is not None:
                    if found["fingerprint"] != fingerprint:
                        raise DomainError(
                            "this idempotencyKey was used with a different input",
                            ("idempotencyKey",),
                            ErrorCode.IDEMPOTENCY_MISMATCH,
                        )
                    row = (
                        (await conn.execute(select(orders_t).where(orders_t.c.id == found["order_id"])))
                        .mappings()
                        .one()
                    )
                    return mapping.order_from_row(row)
            if cmd.custom_status_id is not None:
                await self._status_exists(conn, cmd.custom_status_id, ("input", "customStatusId"))
            number = await self._next_number(conn)
            ctx = self._context(actor)
            change = changes.new_order(cmd, ctx, ids.new_local("Order"), str(number), SOURCE)
            await conn.execute(insert(orders_t).values(mapping.order_to_row(change.aggregate)))
            await self._write_children(conn, OrderAggregate(change.order), change.aggregate)
            await self._write_records(conn, change)
            if key is not None:
                await conn.execute(
                    insert(idempotency_t).values(
                        key=key, fingerprint=fingerprint, order_id=change.order.id, created_at=ctx.now
                    )
                )
        return change.order

    async def _next_number(self, conn: AsyncConnection) -> int:
        stmt = (
            update(counters_t)
            .where(counters_t.c.name == "order_number")
            .values(value=counters_t.c.value + 1)
            .returning(counters_t.c.value)
        )
        value = (await conn.execute(stmt)).scalar_one_or_none()
        if value is None:
            value = FIRST_NUMBER
            await conn.execute(insert(counters_t).values(name="order_number", value=value))
        return int(value)

    async def _status_exists(
        self, conn: AsyncConnection, status_id: str, field: tuple[str, ...]
    ) -> CustomStatus:
        row = (await conn.execute(select(statuses_t).where(statuses_t.c.id == status_id))).mappings().first()
        if row is None:
            raise NotFound("no order status has that id", field)
        return mapping.status_from_row(row)

    async def _load(self, conn: AsyncConnection, order_ids: Sequence[str]) -> dict[str, OrderAggregate]:
        """The aggregates of `order_ids` (row-locked where the database can), in four statements."""
        stmt = select(orders_t).where(orders_t.c.id.in_(order_ids)).with_for_update()
        aggs = {
            row["id"]: OrderAggregate(mapping.order_from_row(row))
            for row in (await conn.execute(stmt)).mappings()
        }
        if not aggs:
            return aggs

        async def children(table: Table) -> list[Any]:
            stmt = (
                select(table).where(table.c.order_id.in_(aggs)).order_by(table.c.order_id, table.c.position)
            )
            return list((await conn.execute(stmt)).mappings())

        for row in await children(lines_t):
            agg = aggs[row["order_id"]]
            agg.line_items.append(mapping.line_from_row(row, agg.order.currency))
        for row in await children(payments_t):
            agg = aggs[row["order_id"]]
            agg.payments.append(mapping.payment_from_row(row, agg.order.currency))
        for row in await children(fulfillments_t):
            aggs[row["order_id"]].fulfillments.append(mapping.fulfillment_from_row(row))
        return aggs

    async def _apply(self, order_id: str, decide: Decide, actor: Actor, field: str = "id") -> ChangeResult:
        """Runs one change in one write transaction; returns the aggregate before and after it."""
        if ids.source_of(order_id) != SOURCE:
            raise NotFound("no order has that id", (field,))
        async with self.db.write() as conn:
            agg = (await self._load(conn, [order_id])).get(order_id)
            if agg is None:
                raise NotFound("no order has that id", (field,))
            before = _copy(agg)
            change = decide(agg, self._context(actor))
            if change is not None:
                await self._persist(conn, before, change, field)
        return ChangeResult(before, change.aggregate if change else before, change)

    async def _change(self, order_id: str, decide: Decide, actor: Actor, field: str = "id") -> Order:
        return (await self._apply(order_id, decide, actor, field)).after.order

    async def _step(self, order_id: str, step: Step, actor: Actor, field: str = "id") -> ChangeResult:
        return await self._apply(
            order_id, lambda agg, ctx: changes.finish(agg, ctx, step(agg, ctx)), actor, field
        )

    async def _persist(
        self, conn: AsyncConnection, before: OrderAggregate, change: Change, field: str
    ) -> None:
        stmt = (
            update(orders_t)
            .where(orders_t.c.id == before.order.id, orders_t.c.revision == before.order.revision)
            .values(mapping.order_to_row(change.aggregate))
        )
        if (await conn.execute(stmt)).rowcount != 1:
            raise DomainError("the order changed meanwhile; try again", (field,), ErrorCode.REVISION_MISMATCH)
        await self._write_children(conn, before, change.aggregate)
        await self._write_records(conn, change)

    async def _bulk(self, items: Sequence[BulkStep], actor: Actor) -> list[BulkItemOutcome]:
        """Bulk items in one transaction: each order's items applied in turn, each succeeding on its own."""
        by_order: dict[str, list[BulkStep]] = defaultdict(list)
        for item in items:
            by_order[item.order_id].append(item)
        outcomes: list[BulkItemOutcome] = []
        async with self.db.write() as conn:
            local = [oid for oid in by_order if ids.source_of(oid) == SOURCE]
            aggs = await self._load(conn, local) if local else {}
            ctx = self._context(actor)
            for order_id, group in by_order.items():
                agg = aggs.get(order_id)
                if agg is None:
                    outcomes += [
                        BulkItemOutcome(i.index, error=NotFound("no order has that id", i.order_field))
                        for i in group
                    ]
                    continue
                before = _copy(agg)
                change, results = changes.apply_each(agg, [i.step for i in group], ctx)
                if change is not None:
                    await self._persist(conn, before, change, "orderId")
                for item, result in zip(group, results, strict=True):
                    if isinstance(result, DomainError):
                        where = item.prefix if result.field else item.order_field
                        outcomes.append(BulkItemOutcome(item.index, error=result.at(*where)))
                    else:
                        touched = next(iter(result.touched), None)
                        outcomes.append(BulkItemOutcome(item.index, agg.order, touched))
        return sorted(outcomes, key=lambda o: o.index)

    async def _write_children(
        self, conn: AsyncConnection, before: OrderAggregate, after: OrderAggregate
    ) -> None:
        oid, cur = after.order.id, after.order.currency
        await _sync(
            conn,
            lines_t,
            before.line_items,
            after.line_items,
            lambda x: mapping.line_to_row(x, oid, cur),
            oid,
        )
        await _sync(
            conn,
            payments_t,
            before.payments,
            after.payments,
            lambda x: mapping.payment_to_row(x, oid, cur),
            oid,
        )
        await _sync(
            conn,
            fulfillments_t,
            before.fulfillments,
            after.fulfillments,
            lambda x: mapping.fulfillment_to_row(x, oid),
            oid,
        )

    async def _write_records(self, conn: AsyncConnection, change: Change) -> None:
        order = change.order
        if change.history:
            await conn.execute(
                insert(history_t), mapping.history_to_rows(change.history, order.id, order.revision)
            )
        if change.events:
            await conn.execute(
                insert(events_t),
                [
                    {
                        "order_id": order.id,
                        "type": event.value,
                        "occurred_at": order.updated_at,
                        "history_entry_id": entry_id,
                        "source": SOURCE,
                    }
                    for event, entry_id in change.events
                ],
            )

    # ------------------------------------------------------------------------------------- use cases

    async def update_order(
        self, order_id: str, patch: UpdateOrder, expected_revision: int | None, actor: Actor
    ) -> Order:
        return await self._change(
            order_id, lambda agg, ctx: changes.update_order(agg, patch, ctx, expected_revision), actor
        )

    async def approve_order(self, order_id: str, actor: Actor) -> Order:
        return await self._change(order_id, changes.approve, actor)

    async def cancel_order(self, order_id: str, reason: str | None, actor: Actor) -> Order:
        return await self._change(order_id, lambda agg, ctx: changes.cancel(agg, reason, ctx), actor)

    async def complete_order(self, order_id: str, actor: Actor) -> Order:
        return await self._change(order_id, changes.complete, actor)

    async def set_order_status(self, order_id: str, status_id: str | None, actor: Actor) -> Order:
        status = None
        if status_id is not None:
            found = await self.statuses_by_id([status_id])
            if status_id not in found:
                raise NotFound("no order status has that id", ("statusId",))
            status = found[status_id]
        return await self._change(
            order_id, lambda agg, ctx: changes.set_custom_status(agg, status, ctx), actor
        )

    async def add_line_item(self, order_id: str, draft: LineItemDraft, actor: Actor) -> Order:
        return await self._change(
            order_id, lambda agg, ctx: changes.add_line_item(agg, draft, ctx), actor, "orderId"
        )

    async def update_line_item(
        self, order_id: str, line_id: str, patch: UpdateLineItem, actor: Actor
    ) -> Order:
        return await self._change(
            order_id, lambda agg, ctx: changes.update_line_item(agg, line_id, patch, ctx), actor, "orderId"
        )

    async def remove_line_item(self, order_id: str, line_id: str, actor: Actor) -> Order:
        return await self._change(
            order_id, lambda agg, ctx: changes.remove_line_item(agg, line_id, ctx), actor, "orderId"
        )

    async def add_history(self, order_id: str, message: str, actor: Actor) -> Order:
        return await self._change(
            order_id, lambda agg, ctx: changes.add_history(agg, message, ctx), actor, "orderId"
        )

    async def add_payments(
        self, order_id: str, drafts: Sequence[PaymentDraft], actor: Actor
    ) -> PaymentsOutcome:
        result = await self._step(order_id, lambda agg, ctx: payments.add(agg, drafts, ctx), actor, "orderId")
        return result.payments(result.touched)

    async def update_payment_status(
        self, order_id: str, payment_id: str, status: TransactionStatus, actor: Actor
    ) -> PaymentsOutcome:
        result = await self._step(
            order_id, lambda agg, ctx: payments.set_status(agg, payment_id, status, ctx), actor, "orderId"
        )
        return result.payments([payment_id])

    async def bulk_update_payment_statuses(
        self, refs: Sequence[tuple[int, PaymentRef]], status: TransactionStatus, actor: Actor
    ) -> list[BulkItemOutcome]:
        def step(ref: PaymentRef) -> Step:
            return lambda agg, ctx: payments.set_status(agg, ref.payment_id, status, ctx)

        return await self._bulk(
            [
                BulkStep(i, ref.order_id, step(ref), ("payments", str(i)), ("payments", str(i), "orderId"))
                for i, ref in refs
            ],
            actor,
        )

    async def refund_payment(
        self, order_id: str, payment_id: str, amount: Decimal, reason: str | None, actor: Actor
    ) -> PaymentsOutcome:
        result = await self._step(
            order_id,
            lambda agg, ctx: payments.refund(agg, payment_id, amount, reason, ctx),
            actor,
            "orderId",
        )
        return result.payments([payment_id])

    async def mark_order_paid(self, order_id: str, actor: Actor) -> Order:
        return (await self._step(order_id, payments.mark_paid, actor)).after.order

    async def create_fulfillment(
        self, order_id: str, draft: FulfillmentDraft, actor: Actor
    ) -> FulfillmentOutcome:
        result = await self._step(
            order_id, lambda agg, ctx: _under("input", fulfillments.create, agg, draft, ctx), actor, "orderId"
        )
        return result.fulfillment(result.touched[0])

    async def update_fulfillment(
        self, order_id: str, fulfillment_id: str, patch: UpdateFulfillment, actor: Actor
    ) -> FulfillmentOutcome:
        result = await self._step(
            order_id,
            lambda agg, ctx: fulfillments.update(agg, fulfillment_id, patch, ctx),
            actor,
            "orderId",
        )
        return result.fulfillment(fulfillment_id)

    async def delete_fulfillment(
        self, order_id: str, fulfillment_id: str, actor: Actor
    ) -> FulfillmentOutcome:
        result = await self._step(
            order_id, lambda agg, ctx: fulfillments.delete(agg, fulfillment_id, ctx), actor, "orderId"
        )
        return result.fulfillment(fulfillment_id)

    async def bulk_create_fulfillments(
        self, items: Sequence[tuple[int, BulkFulfillment]], actor: Actor
    ) -> list[BulkItemOutcome]:
        def step(draft: FulfillmentDraft) -> Step:
            return lambda agg, ctx: fulfillments.create(agg, draft, ctx)

        return await self._bulk(
            [
                BulkStep(
                    i,
                    item.order_id,
                    step(item.fulfillment),
                    ("input", str(i), "fulfillment"),
                    ("input", str(i), "orderId"),
                )
                for i, item in items
            ],
            actor,
        )

    async def mark_order_sent(self, order_id: str, actor: Actor) -> Order:
        return (await self._step(order_id, fulfillments.mark_sent, actor)).after.order

    async def mark_order_delivered(self, order_id: str, actor: Actor) -> Order:
        return (await self._step(order_id, fulfillments.mark_delivered, actor)).after.order

    async def add_order_tracking(self, order_id: str, info: TrackingInfo, actor: Actor) -> FulfillmentOutcome:
        result = await self._step(
            order_id, lambda agg, ctx: fulfillments.add_tracking(agg, info, ctx), actor, "orderId"
        )
        return result.fulfillment(result.touched[0])


def _under(prefix: str, step: Callable[..., changes.Applied], *args: Any) -> changes.Applied:
    """Runs a step whose errors are relative to one argument, placing them under that argument's name."""
    try:
        return step(*args)
    except DomainError as err:
        raise (err.at(prefix) if err.field else err) from None


async def _sync(
    conn: AsyncConnection,
    table: Table,
    before: Sequence[Any],
    after: Sequence[Any],
    to_row: Callable[[Any], dict[str, Any]],
    order_id: str,
) -> None:
    """Writes the difference between two versions of one child collection (kept in list order)."""
    old = {item.id: item for item in before}
    new_ids = {item.id for item in after}
    gone = [item_id for item_id in old if item_id not in new_ids]
    if gone:
        await conn.execute(delete(table).where(table.c.id.in_(gone)))
    added = [item for item in after if item.id not in old]
    for item in after:
        if item.id in old and old[item.id] != item:
            await conn.execute(update(table).where(table.c.id == item.id).values(to_row(item)))
    if added:
        start = 0
        if old:
            stmt = select(func.coalesce(func.max(table.c.position), -1)).where(table.c.order_id == order_id)
            start = int((await conn.execute(stmt)).scalar_one()) + 1
        await conn.execute(
            insert(table), [{**to_row(item), "position": start + i} for i, item in enumerate(added)]
        )
