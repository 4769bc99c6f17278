"""The pure parts of the Retailys backend: page planning, filter parameters, JSON mapping and settings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.backends.system import filters, mapping, paging, wiring
from app.domain.errors import DomainError, ErrorCode
from app.domain.listing import OrderFilter
from app.domain.model import HistoryKind, OrderStatus


@given(st.integers(0, 100_000), st.integers(1, 100))
def test_a_plan_covers_exactly_the_window_in_at_most_two_pages(offset: int, first: int) -> None:
    fetches = paging.plan(offset, first)
    assert 1 <= len(fetches) <= 2
    covered: list[int] = []
    for fetch in fetches:
        assert paging.MIN_PER_PAGE <= fetch.per_page <= paging.MAX_PER_PAGE
        start = (fetch.page - 1) * fetch.per_page
        covered += range(start + fetch.skip, start + fetch.per_page)
    assert covered[:first] == list(range(offset, offset + first))


@given(st.integers(0, 1000), st.integers(10, 100))
def test_steady_pages_cost_one_request_each(page: int, first: int) -> None:
    assert paging.plan(page * first, first) == [paging.Fetch(page + 1, first, 0)]


def test_lifecycle_statuses_become_flags() -> None:
    params = filters.query_params(
        OrderFilter(source="system", status=(OrderStatus.APPROVED, OrderStatus.COMPLETED))
    )
    assert params == {"canceled": "false"}
    assert filters.query_params(OrderFilter(source="system", status=())) is None
    with pytest.raises(DomainError) as refused:
        filters.query_params(
            OrderFilter(source="system", status=(OrderStatus.COMPLETED, OrderStatus.CANCELED))
        )
    assert refused.value.code is ErrorCode.UNSUPPORTED_BY_BACKEND


def test_other_filters_are_named_when_refused() -> None:
    with pytest.raises(DomainError) as refused:
        filters.query_params(
            OrderFilter(source="system", numbers=("1",), external_id="x", updated_after=datetime.now(UTC))
        )
    assert refused.value.code is ErrorCode.UNSUPPORTED_BY_BACKEND
    assert "numbers, externalId, updatedAfter" in refused.value.message
    assert refused.value.field == ("filter", "numbers")


def test_a_foreign_status_id_matches_nothing() -> None:
    assert filters.query_params(OrderFilter(source="system", custom_status_id="bm9wZQ")) is None


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (0.1 + 0.2, "EUR", "0.30"),
        (2.675, "EUR", "2.68"),
        (1234.5, "JPY", "1235"),
        (1.0005, "KWD", "1.001"),
        (None, "EUR", "0.00"),
        (7, "CZK", "7.00"),
    ],
)
def test_floats_become_decimals_rounded_half_up(value: object, currency: str, expected: str) -> None:
    assert mapping.decimal(value, currency) == Decimal(expected)
    assert str(mapping.decimal(value, currency)) == expected


@pytest.mark.parametrize("value", [True, "abc", [1], {"a": 1}])
def test_what_is_not_an_amount_is_an_upstream_error(value: object) -> None:
    with pytest.raises(DomainError) as refused:
        mapping.decimal(value, "EUR")
    assert refused.value.code is ErrorCode.UPSTREAM_ERROR


def test_times_are_utc_and_local_times_are_prague() -> None:
    assert mapping.parse_time("2026-07-01T12:00:00+02:00") == datetime(2026, 7, 1, 10, tzinfo=UTC)
    assert mapping.parse_time("2026-01-15T12:00:00") == datetime(2026, 1, 15, 11, tzinfo=UTC)
    assert mapping.parse_time("2026-07-01T12:00:00Z") == datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert mapping.parse_time(None) is None


def test_flags_map_to_lifecycle_statuses() -> None:
    assert mapping.status({"canceled": True, "done": True}) is OrderStatus.CANCELED
    assert mapping.status({"done": True}) is OrderStatus.COMPLETED
    assert mapping.status({"sent": True}) is OrderStatus.APPROVED


def test_settings_maps_are_parsed_and_checked() -> None:
    assert wiring.shippers("ppl=2, FedEx=1").shipper_id("fedex") == 1
    assert wiring.shippers("").by_name == {}
    assert wiring.history_types("NOTE=email,ORDER_CANCELED=status") == {
        HistoryKind.NOTE: "email",
        HistoryKind.ORDER_CANCELED: "status",
    }
    for bad in ("ppl", "ppl=x"):
        with pytest.raises(ValueError, match="GATEWAY_SYSTEM_SHIPPERS"):
            wiring.shippers(bad)
    for bad in ("NOTE=letter", "GOSSIP=order"):
        with pytest.raises(ValueError, match="GATEWAY_SYSTEM_HISTORY_TYPES"):
            wiring.history_types(bad)


@pytest.mark.parametrize(
    "raw",
    [
        {
            "id": 1,
            "order_currency_code": "EUR",
            "date_order": "2026-01-01T00:00:00Z",
            "items": [{"count": 1}],
        },
        {"id": 1, "order_currency_code": "EUR", "date_order": "2026-01-01T00:00:00Z", "items": "none"},
        {"id": 1, "order_currency_code": "EUR"},
        {"id": 1, "order_currency_code": "EUR", "date_order": "yesterday"},
    ],
)
def test_an_order_the_mapping_cannot_read_is_an_upstream_error(raw: dict[str, object]) -> None:
    with pytest.raises(DomainError) as refused:
        mapping.order(raw)
    assert refused.value.code is ErrorCode.UPSTREAM_ERROR


@pytest.mark.parametrize("raw", [[], {"id": "7"}, {"id": True}, {}])
def test_an_order_needs_an_integer_id(raw: object) -> None:
    with pytest.raises(DomainError):
        mapping.order_json(raw)
