"""SQL for listing orders: the filter's WHERE clause and keyset pagination on (sort key, id)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, func, literal, select, true, tuple_

from app.backends.local.tables import OrderRow, counters_t, fulfillments_t, words_t
from app.domain import ids
from app.domain.errors import invalid
from app.domain.listing import Cursor, SortField

if TYPE_CHECKING:
    from sqlalchemy import Select

    from app.domain.listing import OrderFilter, OrderQuery, OrderSort

orders = OrderRow.__table__  # type: ignore[attr-defined]

SORT_COLUMNS = {
    SortField.CREATED_AT: orders.c.created_at,
    SortField.UPDATED_AT: orders.c.updated_at,
    SortField.NUMBER: orders.c.number,
    SortField.TOTAL: orders.c.total,
}


# Above every character a word can hold: [prefix, prefix + LAST) is every word that starts with prefix.
_LAST = "\U0010ffff"


def _with_word_starting(prefix: str) -> ColumnElement[bool]:
    """Orders with a word that starts with `prefix`, found through the words' index."""
    words = select(words_t.c.order_id).where(words_t.c.word >= prefix, words_t.c.word < prefix + _LAST)
    found: ColumnElement[bool] = orders.c.id.in_(words)
    return found


def conditions(f: OrderFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a filter (an empty list filter matches no order)."""
    c = orders.c
    where: list[ColumnElement[bool]] = []
    if f.ids is not None:
        local = [i for i in f.ids if ids.source_of(i) == "local"]
        where.append(c.id.in_(local) if local else false())
    if f.numbers is not None:
        numbers = [int(n) for n in f.numbers if n.isdigit() and len(n) < 19]
        where.append(c.number.in_(numbers) if numbers else false())
    if f.external_id is not None:
        where.append(c.external_id == f.external_id)
    for column, values in (
        (c.status, f.status),
        (c.payment_status, f.payment_status),
        (c.fulfillment_status, f.fulfillment_status),
    ):
        if values is not None:
            where.append(column.in_([v.value for v in values]) if values else false())
    if f.custom_status_id is not None:
        where.append(c.custom_status_id == f.custom_status_id)
    if f.buyer_email is not None:
        where.append(c.buyer_email == f.buyer_email.lower())
    if f.created_after is not None:
        where.append(c.created_at > f.created_after)
    if f.created_before is not None:
        where.append(c.created_at < f.created_before)
    if f.updated_after is not None:
        where.append(c.updated_at > f.updated_after)
    if f.customer_id is not None:
        where.append(c.buyer_customer_id == f.customer_id)
    if f.tracking_number is not None:
        shipped = select(fulfillments_t.c.order_id).where(
            fulfillments_t.c.tracking_number == f.tracking_number
        )
        where.append(c.id.in_(shipped))
    where += [_with_word_starting(word) for word in f.words()]
    return where


def _key_value(sort: OrderSort, key: str | int) -> Any:
    if sort.field in (SortField.CREATED_AT, SortField.UPDATED_AT):
        try:
            return datetime.fromisoformat(str(key))
        except ValueError:
            raise invalid("after is not a cursor of this list", "after") from None
    if not isinstance(key, int):
        raise invalid("after is not a cursor of this list", "after")
    return key


def page_select(q: OrderQuery) -> Select[Any]:
    """SELECT of one page (plus one row to tell whether another page follows)."""
    column = SORT_COLUMNS[q.sort.field]
    where = conditions(q.filter)
    if q.after is not None:
        cursor = Cursor.decode(q.after, q.sort)
        position = tuple_(column, orders.c.id)
        after = (literal(_key_value(q.sort, cursor.key), column.type), cursor.id)
        where.append(position < tuple_(*after) if q.sort.descending else position > tuple_(*after))
    order = (column.desc(), orders.c.id.desc()) if q.sort.descending else (column.asc(), orders.c.id.asc())
    return select(orders).where(and_(true(), *where)).order_by(*order).limit(q.first + 1)


ORDER_COUNT = "orders"
"""The counter (in `counters`) of the orders stored, kept by every insert: counting them all reads it."""


def count_select(f: OrderFilter) -> Select[Any]:
    """The number of orders matching `f`: counted through the filter's index, or the counter when the
    filter is empty (a count of every row would read a whole index)."""
    where = conditions(f)
    if not where:
        return select(
            func.coalesce(
                select(counters_t.c.value).where(counters_t.c.name == ORDER_COUNT).scalar_subquery(), 0
            )
        )
    return select(func.count()).select_from(orders).where(and_(true(), *where))


def cursor_for(row: Any, sort: OrderSort) -> str:
    """The cursor after `row` under `sort`."""
    value = row[SORT_COLUMNS[sort.field].key]
    key = value.isoformat() if isinstance(value, datetime) else int(value)
    return Cursor(sort, key, row["id"]).encode()


__all__ = ["ORDER_COUNT", "conditions", "count_select", "cursor_for", "page_select"]
