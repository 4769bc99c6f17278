"""Order changes on the aggregate: revisions, history entries, events, totals and refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain import changes, ids, rules
from app.domain.commands import UNSET, CreateOrder, LineItemDraft, PaymentDraft, UpdateLineItem, UpdateOrder
from app.domain.errors import DomainError, ErrorCode, NotFound
from app.domain.model import (
    Address,
    Buyer,
    CustomStatus,
    EventType,
    HistoryKind,
    OrderAggregate,
    OrderStatus,
    PaymentStatus,
    ShippingLine,
)

D = Decimal
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
ORDER_ID = ids.encode("local", "Order", "abc")


def ctx(now: datetime = T0, author: str = "tester") -> changes.ChangeContext:
    return changes.ChangeContext(now, author, ids.new_local)


def create(status: OrderStatus = OrderStatus.APPROVED, **overrides: object) -> changes.Change:
    cmd = CreateOrder(
        currency="eur",
        status=status,
        line_items=(
            LineItemDraft("Mug", 2, D("10.00"), D("1.00"), D("0.21")),  # net 19.00, tax 3.99
            LineItemDraft("Tea", 1, D("5.00")),  # net 5.00
        ),
        note="leave at the door",
        buyer=Buyer(email="ada@example.com"),
    )
    cmd = replace(cmd, **overrides)  # type: ignore[arg-type]
    return changes.new_order(rules.create_order(cmd, T0), ctx(), ORDER_ID, "10001", "local")


def aggregate(status: OrderStatus = OrderStatus.APPROVED, **overrides: object) -> OrderAggregate:
    agg = create(status, **overrides).aggregate
    return agg


def with_status(status: OrderStatus) -> OrderAggregate:
    agg = aggregate()
    agg.order = replace(agg.order, status=status)
    return agg


# ---------------------------------------------------------------------------------------------- creation


def test_new_order_created_approved() -> None:
    change = create()
    order = change.order
    assert order.id == ORDER_ID
    assert order.number == "10001"
    assert order.source == "local"
    assert order.status is OrderStatus.APPROVED
    assert order.revision == 1
    assert order.currency == "EUR"
    assert order.created_at == order.updated_at == T0
    assert [h.kind for h in change.history] == [HistoryKind.ORDER_CREATED, HistoryKind.ORDER_APPROVED]
    assert change.events == [
        (EventType.ORDER_CREATED, change.history[0].id),
        (EventType.ORDER_APPROVED, change.history[1].id),
    ]
    assert all(h.author == "tester" and h.created_at == T0 for h in change.history)
    assert "10001" in change.history[0].message
    assert len({h.id for h in change.history}) == 2


def test_new_order_created_initialized() -> None:
    change = create(OrderStatus.INITIALIZED)
    assert change.order.status is OrderStatus.INITIALIZED
    assert [h.kind for h in change.history] == [HistoryKind.ORDER_CREATED]
    assert change.events == [(EventType.ORDER_CREATED, change.history[0].id)]


def test_new_order_computes_totals() -> None:
    change = create(shipping_line=ShippingLine("Post", D("4.90")), discount=D("2.00"))
    s = change.order.price_summary
    assert (s.subtotal, s.discount, s.shipping, s.tax, s.total) == (
        D("25.00"),
        D("3.00"),
        D("4.90"),
        D("3.99"),
        D("30.89"),
    )
    assert change.order.balance.due == D("30.89")
    assert change.order.payment_status is PaymentStatus.NOT_PAID
    mug, tea = change.aggregate.line_items
    assert (mug.tax_amount, mug.total_price) == (D("3.99"), D("22.99"))
    assert (tea.tax_amount, tea.total_price) == (D("0.00"), D("5.00"))
    assert mug.id != tea.id


def test_new_order_with_payment_records_it_without_an_event() -> None:
    change = create(payments=(PaymentDraft(D("27.99"), "CASH"),))
    assert change.order.payment_status is PaymentStatus.PAID
    assert change.order.balance.paid == D("27.99")
    assert [h.kind for h in change.history] == [
        HistoryKind.ORDER_CREATED,
        HistoryKind.ORDER_APPROVED,
        HistoryKind.PAYMENT_ADDED,
    ]
    assert [e for e, _ in change.events] == [EventType.ORDER_CREATED, EventType.ORDER_APPROVED]
    assert change.aggregate.payments[0].created_at == T0


def test_external_order_mentions_its_origin() -> None:
    change = create(external_id="wix-42")
    assert change.order.external_id == "wix-42"
    assert "wix-42" in change.history[0].message


# ---------------------------------------------------------------------------------------------- lifecycle

MOVES: dict[str, Callable[[OrderAggregate, changes.ChangeContext], changes.Change]] = {
    "approve": changes.approve,
    "cancel": lambda agg, c: changes.cancel(agg, None, c),
    "complete": changes.complete,
}


@pytest.mark.parametrize(
    ("start", "move", "target", "kind", "event"),
    [
        (
            OrderStatus.INITIALIZED,
            "approve",
            OrderStatus.APPROVED,
            HistoryKind.ORDER_APPROVED,
            EventType.ORDER_APPROVED,
        ),
        (
            OrderStatus.INITIALIZED,
            "cancel",
            OrderStatus.CANCELED,
            HistoryKind.ORDER_CANCELED,
            EventType.ORDER_CANCELED,
        ),
        (
            OrderStatus.APPROVED,
            "cancel",
            OrderStatus.CANCELED,
            HistoryKind.ORDER_CANCELED,
            EventType.ORDER_CANCELED,
        ),
        (
            OrderStatus.APPROVED,
            "complete",
            OrderStatus.COMPLETED,
            HistoryKind.ORDER_COMPLETED,
            EventType.ORDER_COMPLETED,
        ),
    ],
)
def test_lifecycle_moves(
    start: OrderStatus, move: str, target: OrderStatus, kind: HistoryKind, event: EventType
) -> None:
    change = MOVES[move](aggregate(start), ctx(T1, "ops"))
    assert change.order.status is target
    assert change.order.revision == 2
    assert change.order.updated_at == T1
    assert change.order.created_at == T0
    assert [h.kind for h in change.history] == [kind]
    assert change.history[0].author == "ops"
    assert change.events == [(event, change.history[0].id)]


def test_revision_grows_by_one_per_change() -> None:
    agg = aggregate(OrderStatus.INITIALIZED)
    assert changes.approve(agg, ctx()).order.revision == 2
    assert changes.complete(agg, ctx()).order.revision == 3


def test_cancel_keeps_the_reason() -> None:
    change = changes.cancel(aggregate(), "buyer changed their mind", ctx())
    assert change.history[0].message == "Order canceled: buyer changed their mind"


def test_cancel_without_reason() -> None:
    assert changes.cancel(aggregate(), "  ", ctx()).history[0].message == "Order canceled"


def test_cancel_with_overlong_reason() -> None:
    with pytest.raises(DomainError) as exc:
        changes.cancel(aggregate(), "r" * 5001, ctx())
    assert exc.value.field == ("reason",)


@pytest.mark.parametrize(
    ("start", "move"),
    [
        (OrderStatus.INITIALIZED, "complete"),
        (OrderStatus.APPROVED, "approve"),
        (OrderStatus.COMPLETED, "approve"),
        (OrderStatus.COMPLETED, "cancel"),
        (OrderStatus.COMPLETED, "complete"),
        (OrderStatus.CANCELED, "approve"),
        (OrderStatus.CANCELED, "cancel"),
        (OrderStatus.CANCELED, "complete"),
    ],
)
def test_invalid_moves(start: OrderStatus, move: str) -> None:
    agg = with_status(start)
    with pytest.raises(DomainError) as exc:
        MOVES[move](agg, ctx())
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert agg.order.status is start
    assert agg.order.revision == 1


# ---------------------------------------------------------------------------------------------- details


def test_update_order_revision_mismatch() -> None:
    agg = aggregate()
    with pytest.raises(DomainError) as exc:
        changes.update_order(agg, UpdateOrder(note="x"), ctx(), expected=2)
    assert exc.value.code is ErrorCode.REVISION_MISMATCH
    assert exc.value.field == ("expectedRevision",)
    assert agg.order.note == "leave at the door"


def test_update_order_with_matching_revision() -> None:
    change = changes.update_order(aggregate(), UpdateOrder(note="ring twice"), ctx(T1), expected=1)
    assert change is not None
    assert change.order.note == "ring twice"
    assert change.order.revision == 2
    assert change.order.updated_at == T1
    assert [h.kind for h in change.history] == [HistoryKind.ORDER_UPDATED]
    assert "note" in change.history[0].message
    assert change.events == [(EventType.ORDER_UPDATED, change.history[0].id)]


def test_update_order_null_clears_unset_keeps() -> None:
    change = changes.update_order(aggregate(), UpdateOrder(note=None), ctx(), None)
    assert change is not None
    assert change.order.note is None
    assert change.order.buyer == Buyer(email="ada@example.com")
    assert change.order.revision == 2


def test_update_order_that_changes_nothing_returns_none() -> None:
    agg = aggregate()
    assert changes.update_order(agg, UpdateOrder(), ctx(), None) is None
    assert changes.update_order(agg, UpdateOrder(note="leave at the door", buyer=UNSET), ctx(), None) is None
    assert changes.update_order(agg, UpdateOrder(discount=None, shipping_line=None), ctx(), None) is None
    assert agg.order.revision == 1


def test_update_order_several_fields_is_one_revision() -> None:
    patch = UpdateOrder(
        shipping_address=Address(city="Berlin", country_code="de"),
        shipping_line=ShippingLine("Post", D("4.9")),
        discount=D("2"),
    )
    change = changes.update_order(aggregate(), patch, ctx(), None)
    assert change is not None
    assert change.order.revision == 2
    assert change.order.shipping_address == Address(city="Berlin", country_code="DE")
    assert len(change.history) == 1
    s = change.order.price_summary
    assert (s.shipping, s.discount, s.total) == (D("4.90"), D("3.00"), D("30.89"))


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        (UpdateOrder(buyer=Buyer(email="nope")), ("input", "buyer", "email")),
        (
            UpdateOrder(shipping_address=Address(country_code="XX")),
            ("input", "shippingAddress", "countryCode"),
        ),
        (UpdateOrder(shipping_line=ShippingLine("Post", D("-1"))), ("input", "shippingLine", "price")),
        (UpdateOrder(discount=D("24.01")), ("input", "discount")),
        (UpdateOrder(discount=D("1.005")), ("input", "discount")),
        (UpdateOrder(note="n" * 5001), ("input", "note")),
        (UpdateOrder(external_id="e" * 201), ("input", "externalId")),
    ],
)
def test_update_order_refusals_point_at_the_field(patch: UpdateOrder, field: tuple[str, ...]) -> None:
    agg = aggregate()
    with pytest.raises(DomainError) as exc:
        changes.update_order(agg, patch, ctx(), None)
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == field
    assert agg.order.revision == 1


def test_update_order_on_canceled_order() -> None:
    with pytest.raises(DomainError) as exc:
        changes.update_order(with_status(OrderStatus.CANCELED), UpdateOrder(note="x"), ctx(), None)
    assert exc.value.code is ErrorCode.INVALID_TRANSITION


def test_update_order_on_completed_order_is_allowed() -> None:
    change = changes.update_order(with_status(OrderStatus.COMPLETED), UpdateOrder(note="x"), ctx(), None)
    assert change is not None
    assert change.order.note == "x"


# ---------------------------------------------------------------------------------------------- line items


def test_add_line_item_recomputes_totals() -> None:
    agg = aggregate()
    change = changes.add_line_item(agg, LineItemDraft("Spoon", 3, D("2.50"), tax_rate=D("0.10")), ctx(T1))
    assert len(change.aggregate.line_items) == 3
    new = change.aggregate.line_items[-1]
    assert (new.tax_amount, new.total_price) == (D("0.75"), D("8.25"))
    s = change.order.price_summary
    assert (s.subtotal, s.tax, s.total) == (D("32.50"), D("4.74"), D("36.24"))
    assert change.order.revision == 2
    assert change.order.updated_at == T1
    assert [h.kind for h in change.history] == [HistoryKind.LINE_ITEMS_CHANGED]
    assert change.events == [(EventType.ORDER_UPDATED, change.history[0].id)]


def test_add_line_item_refusal_is_under_input() -> None:
    with pytest.raises(DomainError) as exc:
        changes.add_line_item(aggregate(), LineItemDraft("Spoon", 0, D("1")), ctx())
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("input", "quantity")


def test_update_line_item_recomputes_totals() -> None:
    agg = aggregate()
    mug = agg.line_items[0]
    change = changes.update_line_item(agg, mug.id, UpdateLineItem(quantity=3), ctx())
    assert change is not None
    updated = change.aggregate.line_items[0]
    assert updated.id == mug.id
    assert updated.quantity == 3
    # (30.00 - 1.00) * 0.21 = 6.09
    assert (updated.tax_amount, updated.total_price) == (D("6.09"), D("35.09"))
    assert change.order.price_summary.total == D("40.09")
    assert change.order.revision == 2


def test_update_line_item_without_change_returns_none() -> None:
    agg = aggregate()
    line_id = agg.line_items[0].id
    assert changes.update_line_item(agg, line_id, UpdateLineItem(), ctx()) is None
    assert changes.update_line_item(agg, line_id, UpdateLineItem(quantity=2, price=D("10")), ctx()) is None
    assert agg.order.revision == 1


def test_update_line_item_refusal() -> None:
    agg = aggregate()
    with pytest.raises(DomainError) as exc:
        changes.update_line_item(agg, agg.line_items[0].id, UpdateLineItem(discount=D("20.01")), ctx())
    assert exc.value.field == ("input", "discount")


def test_update_unknown_line_item() -> None:
    with pytest.raises(NotFound) as exc:
        changes.update_line_item(aggregate(), "nope", UpdateLineItem(quantity=1), ctx())
    assert exc.value.code is ErrorCode.NOT_FOUND


def test_update_line_item_that_would_undercut_the_order_discount() -> None:
    agg = aggregate(discount=D("20.00"))  # goods 24.00
    with pytest.raises(DomainError) as exc:
        changes.update_line_item(agg, agg.line_items[0].id, UpdateLineItem(quantity=1), ctx())
    assert exc.value.code is ErrorCode.INVALID


def test_remove_line_item_recomputes_totals() -> None:
    agg = aggregate()
    tea = agg.line_items[1]
    change = changes.remove_line_item(agg, tea.id, ctx())
    assert [line.id for line in change.aggregate.line_items] == [agg.line_items[0].id]
    assert change.order.price_summary.total == D("22.99")
    assert change.order.revision == 2
    assert [h.kind for h in change.history] == [HistoryKind.LINE_ITEMS_CHANGED]
    assert "Tea" in change.history[0].message


def test_removing_the_last_line_is_invalid() -> None:
    agg = aggregate()
    changes.remove_line_item(agg, agg.line_items[1].id, ctx())
    with pytest.raises(DomainError) as exc:
        changes.remove_line_item(agg, agg.line_items[0].id, ctx())
    assert exc.value.code is ErrorCode.INVALID
    assert len(agg.line_items) == 1


def fulfilled_first_line() -> OrderAggregate:
    agg = aggregate()
    agg.line_items[0] = replace(agg.line_items[0], fulfilled_quantity=1)
    return agg


def test_fulfilled_line_cannot_be_updated() -> None:
    agg = fulfilled_first_line()
    with pytest.raises(DomainError) as exc:
        changes.update_line_item(agg, agg.line_items[0].id, UpdateLineItem(quantity=5), ctx())
    assert exc.value.code is ErrorCode.INVALID_TRANSITION


def test_fulfilled_line_cannot_be_removed() -> None:
    agg = fulfilled_first_line()
    with pytest.raises(DomainError) as exc:
        changes.remove_line_item(agg, agg.line_items[0].id, ctx())
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert len(agg.line_items) == 2


def test_unfulfilled_line_of_partly_fulfilled_order_can_change() -> None:
    agg = fulfilled_first_line()
    change = changes.update_line_item(agg, agg.line_items[1].id, UpdateLineItem(quantity=2), ctx())
    assert change is not None
    assert change.aggregate.line_items[1].quantity == 2


@pytest.mark.parametrize("status", [OrderStatus.COMPLETED, OrderStatus.CANCELED])
def test_line_changes_on_terminal_orders(status: OrderStatus) -> None:
    agg = with_status(status)
    line_id = agg.line_items[1].id
    attempts = [
        lambda: changes.add_line_item(agg, LineItemDraft("Spoon", 1, D("1")), ctx()),
        lambda: changes.update_line_item(agg, line_id, UpdateLineItem(quantity=3), ctx()),
        lambda: changes.remove_line_item(agg, line_id, ctx()),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert len(agg.line_items) == 2
    assert agg.order.revision == 1


# ---------------------------------------------------------------------------------------------- history, status


def test_add_history_on_canceled_order() -> None:
    agg = with_status(OrderStatus.CANCELED)
    change = changes.add_history(agg, "refund sent by bank transfer", ctx(T1, "support"))
    assert [h.kind for h in change.history] == [HistoryKind.NOTE]
    assert change.history[0].message == "refund sent by bank transfer"
    assert change.history[0].author == "support"
    assert change.events == [(EventType.ORDER_UPDATED, change.history[0].id)]
    assert change.order.revision == 2
    assert change.order.status is OrderStatus.CANCELED


def test_add_blank_history() -> None:
    with pytest.raises(DomainError) as exc:
        changes.add_history(aggregate(), "  ", ctx())
    assert exc.value.field == ("input", "message")


def test_set_custom_status_twice() -> None:
    agg = aggregate()
    waiting = CustomStatus("S1", "Waiting for stock", "#abc")
    first = changes.set_custom_status(agg, waiting, ctx())
    assert first is not None
    assert first.order.custom_status_id == "S1"
    assert first.order.revision == 2
    assert [h.kind for h in first.history] == [HistoryKind.STATUS_CHANGED]
    assert "Waiting for stock" in first.history[0].message
    assert first.events == [(EventType.ORDER_UPDATED, first.history[0].id)]
    assert changes.set_custom_status(agg, waiting, ctx()) is None
    assert agg.order.revision == 2


def test_clear_custom_status() -> None:
    agg = aggregate()
    changes.set_custom_status(agg, CustomStatus("S1", "Waiting"), ctx())
    cleared = changes.set_custom_status(agg, None, ctx())
    assert cleared is not None
    assert cleared.order.custom_status_id is None
    assert cleared.order.revision == 3
    assert changes.set_custom_status(agg, None, ctx()) is None


def test_set_custom_status_on_canceled_order() -> None:
    change = changes.set_custom_status(
        with_status(OrderStatus.CANCELED), CustomStatus("S1", "Archived"), ctx()
    )
    assert change is not None
    assert change.order.custom_status_id == "S1"
