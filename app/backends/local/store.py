"""The local backend: orders in the gateway's own SQL store.

Every change is one write transaction: load the aggregate (row-locked on PostgreSQL), let `app.domain`
decide, then write the order row, the changed children, the history entries and the event rows together.

Concurrency: row locks, not serializable transactions with retry. On SQLite each write transaction runs
alone (`BEGIN IMMEDIATE`). On PostgreSQL (READ COMMITTED) a change reads the orders it decides on with
`SELECT ... FOR UPDATE`, in id order, so concurrent changes of one order run one after the other, each
deciding on what the one before it committed: an `expectedRevision` race lets exactly one through, the
last units of a line are fulfilled once, refunds stop at the payment. Order numbers come from a counter
row that an upsert locks until commit (gap-free, since a rolled-back create rolls the counter back too).
What has no row to lock yet takes an advisory lock instead (`database.serialize`): a repeated
idempotency key, a new status's name and position; so does numbering events (event_log.py). Nothing
waits on two of these in opposite orders, so no deadlock needs a retry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, insert, select

from app.backends.local import mapping, persistence, queries
from app.backends.local.database import DbConnection, dialect_insert, serialize
from app.backends.local.tables import (
    counters_t,
    fulfillments_t,
    history_t,
    idempotency_t,
    lines_t,
    orders_t,
    payments_t,
    statuses_t,
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
_NEXT_NUMBER: dict[str, Any] = {}  # the next-number upsert, by dialect name
# The hot reads, built once: a list of ids binds as one expanding parameter.
_ORDERS_BY_ID = select(orders_t).where(orders_t.c.id.in_(bindparam("ids", expanding=True)))

# The rows of each child table for the orders `ids`, each with its order's currency, in their order.
_CHILDREN = {
    table.name: select(table, orders_t.c.currency.label("order_currency"))
    .join(orders_t, orders_t.c.id == table.c.order_id)
    .where(table.c.order_id.in_(bindparam("ids", expanding=True)))
    .order_by(*order_by)
    for table, order_by in (
        (lines_t, (lines_t.c.position,)),
        (payments_t, (payments_t.c.position,)),
        (fulfillments_t, (fulfillments_t.c.position,)),
        (history_t, (history_t.c.revision, history_t.c.ordinal)),
    )
}


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
        rows = await self.db.fetch(_ORDERS_BY_ID, {"ids": local})
        return {row["id"]: mapping.order_from_row(row) for row in rows}

    async def get_order_by_number(self, number: str) -> Order | None:
        if not number.isdigit() or len(number) > 18:
            return None
        rows = await self.db.fetch(select(orders_t).where(orders_t.c.number == int(number)))
        return mapping.order_from_row(rows[0]) if rows else None

    async def search_orders(self, query: OrderQuery) -> OrderPage:
        rows = await self.db.fetch(queries.page_select(query))
        page = rows[: query.first]
        return OrderPage(
            orders=[mapping.order_from_row(r) for r in page],
            cursors=[queries.cursor_for(r, query.sort) for r in page],
            has_next=len(rows) > query.first,
        )

    async def count_orders(self, filter: OrderFilter) -> int:
        [row] = await self.db.fetch(queries.count_select(filter))
        return int(next(iter(row.values())))

    async def _children(self, table: Table, order_ids: Sequence[str]) -> dict[str, list[Any]]:
        """Rows of a child table for many orders in one statement, each with its order's currency."""
        grouped: dict[str, list[Any]] = defaultdict(list)
        if order_ids:
            for row in await self.db.fetch(_CHILDREN[table.name], {"ids": list(order_ids)}):
                grouped[row["order_id"]].append(row)
        return grouped

    async def line_items(self, order_ids: Sequence[str]) -> Mapping[str, list[LineItem]]:
        rows = await self._children(lines_t, order_ids)
        return {oid: [mapping.line_from_row(r, r["order_currency"]) for r in rs] for oid, rs in rows.items()}

    async def payments(self, order_ids: Sequence[str]) -> Mapping[str, list[Payment]]:
        rows = await self._children(payments_t, order_ids)
        return {
            oid: [mapping.payment_from_row(r, r["order_currency"]) for r in rs] for oid, rs in rows.items()
        }

    async def fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        rows = await self._children(fulfillments_t, order_ids)
        return {oid: [mapping.fulfillment_from_row(r) for r in rs] for oid, rs in rows.items()}

    async def history(self, order_ids: Sequence[str]) -> Mapping[str, list[HistoryEntry]]:
        rows = await self._children(history_t, order_ids)
        return {oid: [mapping.history_from_row(r) for r in rs] for oid, rs in rows.items()}

    async def statuses(self) -> list[CustomStatus]:
        rows = await self.db.fetch(select(statuses_t).order_by(statuses_t.c.position))
        return [mapping.status_from_row(r) for r in rows]

    async def statuses_by_id(self, status_ids: Sequence[str]) -> Mapping[str, CustomStatus]:
        rows = await self.db.fetch(select(statuses_t).where(statuses_t.c.id.in_(status_ids)))
        return {r["id"]: mapping.status_from_row(r) for r in rows}

    # ----------------------------------------------------------------------------------------- writes

    async def define_status(self, cmd: DefineStatus) -> CustomStatus:
        async with self.db.write() as conn:
            await serialize(conn, "order_statuses")  # the name check and the next position
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
                await serialize(conn, f"idempotency:{key}")  # a repeat waits, then finds the first
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
            await persistence.insert_new(conn, change)
            if key is not None:
                await conn.execute(
                    insert(idempotency_t),
                    {
                        "key": key,
                        "fingerprint": fingerprint,
                        "order_id": change.order.id,
                        "created_at": ctx.now,
                    },
                )
        return change.order

    async def _next_number(self, conn: DbConnection) -> int:
        """The next order number, gap-free: the counter row stays locked until this transaction ends.

        One upsert, so the first two orders created at once cannot both insert the row.
        """
        stmt = _NEXT_NUMBER.get(conn.dialect.name)
        if stmt is None:  # built once per dialect: a statement object keeps its cache key
            stmt = dialect_insert(conn, counters_t).values(name="order_number", value=FIRST_NUMBER)
            stmt = _NEXT_NUMBER[conn.dialect.name] = stmt.on_conflict_do_update(
                index_elements=["name"], set_={"value": counters_t.c.value + 1}
            ).returning(counters_t.c.value)
        return int((await conn.execute(stmt)).scalar_one())

    async def _status_exists(
        self, conn: DbConnection, status_id: str, field: tuple[str, ...]
    ) -> CustomStatus:
        row = (await conn.execute(select(statuses_t).where(statuses_t.c.id == status_id))).mappings().first()
        if row is None:
            raise NotFound("no order status has that id", field)
        return mapping.status_from_row(row)

    async def _apply(self, order_id: str, decide: Decide, actor: Actor, field: str = "id") -> ChangeResult:
        """Runs one change in one write transaction; returns the aggregate before and after it."""
        if ids.source_of(order_id) != SOURCE:
            raise NotFound("no order has that id", (field,))
        async with self.db.write() as conn:
            loaded = await persistence.load(conn, [order_id])
            if order_id not in loaded.aggregates:
                raise NotFound("no order has that id", (field,))
            before = loaded.before(order_id)
            change = decide(loaded.aggregates[order_id], self._context(actor))
            if change is not None:
                await persistence.save(conn, [(before, change)], loaded, field)
        return ChangeResult(before, change.aggregate if change else before, change)

    async def _change(self, order_id: str, decide: Decide, actor: Actor, field: str = "id") -> Order:
        return (await self._apply(order_id, decide, actor, field)).after.order

    async def _step(self, order_id: str, step: Step, actor: Actor, field: str = "id") -> ChangeResult:
        return await self._apply(
            order_id, lambda agg, ctx: changes.finish(agg, ctx, step(agg, ctx)), actor, field
        )

    async def _bulk(self, items: Sequence[BulkStep], actor: Actor) -> list[BulkItemOutcome]:
        """Bulk items in one transaction: each order's items applied in turn, each succeeding on its own."""
        by_order: dict[str, list[BulkStep]] = defaultdict(list)
        for item in items:
            by_order[item.order_id].append(item)
        outcomes: list[BulkItemOutcome] = []
        async with self.db.write() as conn:
            loaded = await persistence.load(conn, [oid for oid in by_order if ids.source_of(oid) == SOURCE])
            ctx = self._context(actor)
            changed: list[tuple[OrderAggregate, Change]] = []
            for order_id, group in by_order.items():
                if order_id not in loaded.aggregates:
                    outcomes += [
                        BulkItemOutcome(i.index, error=NotFound("no order has that id", i.order_field))
                        for i in group
                    ]
                    continue
                before, agg = loaded.before(order_id), loaded.aggregates[order_id]
                change, results = changes.apply_each(agg, [i.step for i in group], ctx)
                if change is not None:
                    changed.append((before, change))
                for item, result in zip(group, results, strict=True):
                    if isinstance(result, DomainError):
                        where = item.prefix if result.field else item.order_field
                        outcomes.append(BulkItemOutcome(item.index, error=result.at(*where)))
                    else:
                        touched = next(iter(result.touched), None)
                        outcomes.append(BulkItemOutcome(item.index, agg.order, touched))
            await persistence.save(conn, changed, loaded, "orderId")
        return sorted(outcomes, key=lambda o: o.index)

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
