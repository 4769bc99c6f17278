"""Order events in the domain: opaque cursors, filters, page bounds."""

from __future__ import annotations

from base64 import urlsafe_b64encode
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import ids
from app.domain.errors import DomainError, ErrorCode
from app.domain.events import EventFilter, LoggedEvent, check_log_page, cursor_of, seq_of
from app.domain.model import EventType

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_cursor_round_trip(seq: int) -> None:
    cursor = cursor_of(seq)
    assert all(c.isalnum() or c in "-_" for c in cursor)
    assert seq_of(cursor) == seq


def test_an_events_id_is_its_cursor() -> None:
    event = LoggedEvent(7, EventType.ORDER_CREATED, "o1", NOW, "h1")
    assert event.id == cursor_of(7)
    assert event == LoggedEvent(7, EventType.ORDER_CREATED, "o1", NOW, "h1")


def raw(text: str) -> str:
    return urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!",
        ids.encode("local", "Order", "12"),
        ids.encode("wix", "OrderEvent", "12"),
        raw("local:OrderEvent:-1"),
        raw("local:OrderEvent:1.5"),
        raw("local:OrderEvent:١٢"),  # Arabic-Indic digits are digits to str.isdigit
        raw("local:OrderEvent:" + "9" * 19),
    ],
)
def test_anything_else_is_not_a_cursor(cursor: str) -> None:
    with pytest.raises(DomainError) as refused:
        seq_of(cursor, "after")
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID, ("after",))


def test_filters_match_by_order_and_type() -> None:
    created = LoggedEvent(1, EventType.ORDER_CREATED, "o1", NOW, None)
    approved = LoggedEvent(2, EventType.ORDER_APPROVED, "o2", NOW, None)
    assert EventFilter().matches(created)
    assert EventFilter.of(["o1"]).matches(created) and not EventFilter.of(["o1"]).matches(approved)
    by_type = EventFilter.of(types=[EventType.ORDER_APPROVED])
    assert by_type.matches(approved) and not by_type.matches(created)
    both = EventFilter.of(["o2"], [EventType.ORDER_CREATED])
    assert not both.matches(created) and not both.matches(approved)
    assert EventFilter.of([]).matches_nothing and EventFilter.of(types=[]).matches_nothing
    assert not EventFilter.of([]).matches(created)
    assert not EventFilter().matches_nothing


def test_at_most_500_order_ids() -> None:
    assert len(EventFilter.of(str(i) for i in range(500)).order_ids or ()) == 500
    with pytest.raises(DomainError) as refused:
        EventFilter.of(str(i) for i in range(501))
    assert (refused.value.code, refused.value.field) == (ErrorCode.LIMIT_EXCEEDED, ("filter", "orderIds"))


@pytest.mark.parametrize(("first", "ok"), [(0, False), (1, True), (500, True), (501, False)])
def test_log_pages_hold_1_to_500(first: int, ok: bool) -> None:
    if ok:
        assert check_log_page(first) == first
    else:
        with pytest.raises(DomainError):
            check_log_page(first)
