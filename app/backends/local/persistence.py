"""Loading aggregates for a change and writing changes back, in a constant number of statements.

A write transaction loads every order it changes at once (`load`), lets the domain decide, then writes
all the changed orders together (`save`): one statement per table and kind of write, however many orders
a bulk request touches. The order rows are updated under a revision guard, so a write based on a stale
read fails instead of overwriting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, update

from app.backends.local import mapping
from app.backends.local.event_log import before_appending
from app.backends.local.queries import ORDER_COUNT
from app.backends.local.tables import (
    counters_t,
    events_t,
    fulfillments_t,
    history_t,
    lines_t,
    orders_t,
    payments_t,
    words_t,
)
from app.domain.errors import DomainError, ErrorCode
from app.domain.model import OrderAggregate

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy import Table

    from app.backends.local.database import DbConnection
    from app.domain.changes import Change

SOURCE = "local"


@dataclass(frozen=True, slots=True)
class _Children:
    """One child collection: its table, how to read it off an aggregate, how to turn an item into a row."""

    table: Table
    items: Callable[[OrderAggregate], Sequence[Any]]
    row: Callable[[Any, OrderAggregate], dict[str, Any]]


CHILDREN = (
    _Children(
        lines_t, lambda a: a.line_items, lambda x, a: mapping.line_to_row(x, a.order.id, a.order.currency)
    ),
    _Children(
        payments_t, lambda a: a.payments, lambda x, a: mapping.payment_to_row(x, a.order.id, a.order.currency)
    ),
    _Children(
        fulfillments_t, lambda a: a.fulfillments, lambda x, a: mapping.fulfillment_to_row(x, a.order.id)
    ),
)


@dataclass(slots=True)
class Loaded:
    """Aggregates read for a change, and the next free position of each of their child collections."""

    aggregates: dict[str, OrderAggregate] = field(default_factory=dict)
    next_position: dict[tuple[str, str], int] = field(default_factory=dict)

    def before(self, order_id: str) -> OrderAggregate:
        """A copy of the aggregate as loaded, kept to diff against once the domain has changed it."""
        agg = self.aggregates[order_id]
        return OrderAggregate(agg.order, list(agg.line_items), list(agg.payments), list(agg.fulfillments))


async def load(conn: DbConnection, order_ids: Sequence[str]) -> Loaded:
    """The aggregates of `order_ids` (row-locked where the database can), in four statements."""
    loaded = Loaded()
    if not order_ids:
        return loaded
    # Locked in id order, so two bulk changes over overlapping orders cannot deadlock.
    stmt = select(orders_t).where(orders_t.c.id.in_(order_ids)).order_by(orders_t.c.id).with_for_update()
    aggs = loaded.aggregates
    for row in (await conn.execute(stmt)).mappings():
        aggs[row["id"]] = OrderAggregate(mapping.order_from_row(row))
    if not aggs:
        return loaded
    for children in CHILDREN:
        table = children.table
        stmt = select(table).where(table.c.order_id.in_(aggs)).order_by(table.c.order_id, table.c.position)
        for row in (await conn.execute(stmt)).mappings():
            agg = aggs[row["order_id"]]
            if table is lines_t:
                agg.line_items.append(mapping.line_from_row(row, agg.order.currency))
            elif table is payments_t:
                agg.payments.append(mapping.payment_from_row(row, agg.order.currency))
            else:
                agg.fulfillments.append(mapping.fulfillment_from_row(row))
            loaded.next_position[(table.name, agg.order.id)] = row["position"] + 1
    return loaded


# Built once: a statement object keeps its cache key, so executing it again skips building and keying it.
_INSERT_ORDER = insert(orders_t)
_COUNT_ORDER = update(counters_t).where(counters_t.c.name == ORDER_COUNT).values(value=counters_t.c.value + 1)


async def insert_new(conn: DbConnection, change: Change) -> None:
    """Writes a new order: its row, its search words, its children, its history and events; counts it."""
    await conn.execute(_INSERT_ORDER, mapping.order_to_row(change.aggregate))
    await conn.execute(_COUNT_ORDER)
    empty = OrderAggregate(change.order)
    await _write_words(conn, [(empty, change)], new=True)
    await _write_children(conn, [(empty, change)], {})
    await _write_records(conn, [change])


async def save(
    conn: DbConnection, changed: Sequence[tuple[OrderAggregate, Change]], loaded: Loaded, field: str
) -> None:
    """Writes changed orders (each with the aggregate it was loaded as) in a handful of statements."""
    if not changed:
        return
    guarded = (
        update(orders_t)
        .where(orders_t.c.id == bindparam("_id"), orders_t.c.revision == bindparam("_revision"))
        .execution_options(synchronize_session=False)
    )
    rows = []
    for before, change in changed:
        row = mapping.order_to_row(change.aggregate)
        del row["id"]
        rows.append({**row, "_id": before.order.id, "_revision": before.order.revision})
    result = await conn.execute(guarded, rows)
    if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
        raise DomainError("the order changed meanwhile; try again", (field,), ErrorCode.REVISION_MISMATCH)
    await _write_words(conn, changed)
    await _write_children(conn, changed, loaded.next_position)
    await _write_records(conn, [change for _, change in changed])


async def _write_words(
    conn: DbConnection, changed: Sequence[tuple[OrderAggregate, Change]], new: bool = False
) -> None:
    """Rewrites the search words of the orders whose words changed (all of them for new orders)."""
    rewritten: list[str] = []
    rows: list[dict[str, str]] = []
    for before, change in changed:
        words = mapping.order_words(change.aggregate)
        if new or words != mapping.order_words(before):
            rewritten.append(change.order.id)
            rows += [{"word": word, "order_id": change.order.id} for word in words]
    if rewritten and not new:
        await conn.execute(delete(words_t).where(words_t.c.order_id.in_(rewritten)))
    if rows:
        await conn.execute(insert(words_t), rows)


async def _write_children(
    conn: DbConnection,
    changed: Sequence[tuple[OrderAggregate, Change]],
    next_position: dict[tuple[str, str], int],
) -> None:
    """Deletes, updates and inserts the child rows that differ, one statement per table and kind."""
    for children in CHILDREN:
        table = children.table
        gone: list[str] = []
        updated: list[dict[str, Any]] = []
        added: list[dict[str, Any]] = []
        for before, change in changed:
            after = change.aggregate
            old = {item.id: item for item in children.items(before)}
            new = children.items(after)
            kept = {item.id for item in new}
            gone += [item_id for item_id in old if item_id not in kept]
            position = next_position.get((table.name, after.order.id), 0)
            for item in new:
                if item.id not in old:
                    added.append({**children.row(item, after), "position": position})
                    position += 1
                elif old[item.id] != item:
                    row = children.row(item, after)
                    row["_id"] = row.pop("id")
                    updated.append(row)
        if gone:
            await conn.execute(delete(table).where(table.c.id.in_(gone)))
        if updated:
            await conn.execute(update(table).where(table.c.id == bindparam("_id")), updated)
        if added:
            await conn.execute(insert(table), added)


async def _write_records(conn: DbConnection, written: Sequence[Change]) -> None:
    """The history entries and event rows of the changes, in the order the changes were made."""
    history: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for change in written:
        order = change.order
        history += mapping.history_to_rows(change.history, order.id, order.revision)
        events += [
            {
                "order_id": order.id,
                "type": event.value,
                "occurred_at": order.updated_at,
                "history_entry_id": entry_id,
                "source": SOURCE,
            }
            for event, entry_id in change.events
        ]
    if history:
        await conn.execute(insert(history_t), history)
    if events:
        await before_appending(conn)
        await conn.execute(insert(events_t), events)
