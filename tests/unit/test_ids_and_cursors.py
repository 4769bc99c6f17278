"""Opaque public ids, keyset cursors and free-text search words."""

from __future__ import annotations

import json
from base64 import urlsafe_b64decode, urlsafe_b64encode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import ids
from app.domain.errors import DomainError, ErrorCode, NotFound
from app.domain.listing import Cursor, OrderSort, SortField, check_first, search_words

names = st.text(st.characters(codec="utf-8", exclude_characters=":"), min_size=1, max_size=20)
natives = st.text(st.characters(codec="utf-8"), max_size=40)


def b64(raw: bytes) -> str:
    return urlsafe_b64encode(raw).rstrip(b"=").decode()


# ---------------------------------------------------------------------------------------------- ids


def test_encode_decode_example() -> None:
    public = ids.encode("wix", "Order", "a1:b2")
    assert "=" not in public
    assert ids.decode(public) == ids.ParsedId("wix", "Order", "a1:b2")
    assert ids.decode(public, "Order") == ("wix", "Order", "a1:b2")


@given(source=names, kind=names, native=natives)
def test_id_round_trip(source: str, kind: str, native: str) -> None:
    public = ids.encode(source, kind, native)
    assert "=" not in public
    assert all(c.isalnum() or c in "-_" for c in public)
    assert ids.decode(public, kind) == ids.ParsedId(source, kind, native)
    assert ids.source_of(public) == source


@pytest.mark.parametrize(
    "garbage", ["!!", "", b64(b"x"), b64(b"local:Order"), b64(b"\xff\xfe:a:b"), "é", "abc"]
)
def test_decode_garbage_is_not_found(garbage: str) -> None:
    with pytest.raises(NotFound) as exc:
        ids.decode(garbage, "Order", "id")
    assert exc.value.code is ErrorCode.NOT_FOUND
    assert exc.value.field == ("id",)


def test_decode_garbage_without_field() -> None:
    with pytest.raises(NotFound) as exc:
        ids.decode("!!")
    assert exc.value.field is None


def test_decode_of_another_kind_is_not_found() -> None:
    public = ids.encode("local", "Payment", "p1")
    with pytest.raises(NotFound) as exc:
        ids.decode(public, "Order", "orderId")
    assert exc.value.field == ("orderId",)
    assert ids.decode(public, "Payment").native == "p1"


def test_source_of() -> None:
    assert ids.source_of(ids.encode("wix", "Order", "1")) == "wix"
    assert ids.source_of(ids.new_local("Order")) == "local"
    assert ids.source_of("!!") is None
    assert ids.source_of("") is None


def test_new_local_ids_are_unique_and_typed() -> None:
    made = {ids.new_local("LineItem") for _ in range(100)}
    assert len(made) == 100
    for public in made:
        parsed = ids.decode(public, "LineItem")
        assert parsed.source == "local"
        assert len(parsed.native) == 20


# ---------------------------------------------------------------------------------------------- cursors

SORTS = [OrderSort(field, descending) for field in SortField for descending in (True, False)]


@pytest.mark.parametrize("sort", SORTS)
def test_cursor_round_trip(sort: OrderSort) -> None:
    key: str | int = 1234 if sort.field is SortField.TOTAL else "2026-03-01T12:00:00.000000"
    cursor = Cursor(sort, key, "order-1")
    text = cursor.encode()
    assert "=" not in text
    assert Cursor.decode(text, sort) == cursor


@given(
    sort=st.sampled_from(SORTS),
    key=st.integers(min_value=-(2**63), max_value=2**63) | st.text(max_size=30),
    row_id=st.text(max_size=30),
)
def test_cursor_round_trip_property(sort: OrderSort, key: str | int, row_id: str) -> None:
    cursor = Cursor(sort, key, row_id)
    assert Cursor.decode(cursor.encode(), sort) == cursor


@pytest.mark.parametrize(
    ("made_for", "used_with"),
    [
        (OrderSort(), OrderSort(SortField.CREATED_AT, descending=False)),
        (OrderSort(), OrderSort(SortField.UPDATED_AT)),
        (OrderSort(SortField.TOTAL), OrderSort(SortField.NUMBER)),
    ],
)
def test_cursor_under_another_sort_is_invalid(made_for: OrderSort, used_with: OrderSort) -> None:
    text = Cursor(made_for, "k", "id").encode()
    with pytest.raises(DomainError) as exc:
        Cursor.decode(text, used_with)
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("after",)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "!!",
        "not a cursor",
        b64(b"x"),
        b64(b"\xff\xfe"),
        b64(b"[1,2,3]"),
        b64(b'"abcd"'),
        b64(b'{"a":1,"b":2,"c":3,"d":4}'),
        b64(b'["SIZE",true,"k","id"]'),
        b64(b'["CREATED_AT",true,null,"id"]'),
        b64(b'["CREATED_AT",true,1.5,"id"]'),
        b64(b'["CREATED_AT",true,["k"],"id"]'),
        b64(b"[" * 100_000),
    ],
)
def test_garbage_cursor_is_invalid(garbage: str) -> None:
    with pytest.raises(DomainError) as exc:
        Cursor.decode(garbage, OrderSort())
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == ("after",)


def test_cursor_payload_holds_sort_key_and_id() -> None:
    text = Cursor(OrderSort(SortField.NUMBER, descending=False), 10002, "o1").encode()
    raw = json.loads(urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    assert raw == ["NUMBER", False, 10002, "o1"]


@pytest.mark.parametrize("first", [1, 50, 100])
def test_check_first_accepts(first: int) -> None:
    assert check_first(first) == first


@pytest.mark.parametrize("first", [0, -1, 101])
def test_check_first_refuses(first: int) -> None:
    with pytest.raises(DomainError) as exc:
        check_first(first)
    assert exc.value.field == ("first",)
    assert check_first(500, limit=500) == 500


# ---------------------------------------------------------------------------------------------- search words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", []),
        ("   ", []),
        ("Ada Lovelace", ["ada", "lovelace"]),
        ("ada@example.com", ["ada", "example", "com"]),
        ("Müller-Lüdenscheidt  10001", ["müller", "lüdenscheidt", "10001"]),
        ("BLUE mug, 2x!", ["blue", "mug", "2x"]),
        ("snake_case", ["snake_case"]),
    ],
)
def test_search_words(text: str, words: list[str]) -> None:
    assert search_words(text) == words


@given(st.text(max_size=60))
def test_search_words_are_lower_case_words_of_the_text(text: str) -> None:
    words = search_words(text)
    lowered = text.lower()
    for word in words:
        assert word
        assert word == word.lower()
        assert word in lowered
        assert all(c.isalnum() or c == "_" for c in word)
