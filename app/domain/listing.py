"""Listing orders: the filter, the sort, keyset cursors and a page of results.

A cursor is opaque to clients; inside it holds the sort it was made for and the (sort key, id) of the
last row, so the next page starts strictly after that row however many rows were inserted meanwhile.
"""

from __future__ import annotations

import binascii
import json
import re
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from app.domain.errors import invalid

if TYPE_CHECKING:
    from datetime import datetime

    from app.domain.model import FulfillmentStatus, Order, OrderStatus, PaymentStatus

MAX_PAGE = 100
MAX_IDS = 100
_WORD = re.compile(r"\w+")


class SortField(StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NUMBER = "NUMBER"
    TOTAL = "TOTAL"


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Every condition is ANDed; a list matches any of its values (an empty list matches nothing)."""

    source: str = "local"
    ids: tuple[str, ...] | None = None
    numbers: tuple[str, ...] | None = None
    external_id: str | None = None
    status: tuple[OrderStatus, ...] | None = None
    payment_status: tuple[PaymentStatus, ...] | None = None
    fulfillment_status: tuple[FulfillmentStatus, ...] | None = None
    custom_status_id: str | None = None
    buyer_email: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    query: str | None = None
    customer_id: str | None = None
    tracking_number: str | None = None

    def words(self) -> list[str]:
        """The free-text query as lower-case words, each to match the start of a word."""
        return search_words(self.query or "")


@dataclass(frozen=True, slots=True)
class OrderSort:
    field: SortField = SortField.CREATED_AT
    descending: bool = True


@dataclass(frozen=True, slots=True)
class Cursor:
    """The position after one row: its sort key and its id, under one sort."""

    sort: OrderSort
    key: str | int
    id: str

    def encode(self) -> str:
        raw = json.dumps(
            [self.sort.field.value, self.sort.descending, self.key, self.id], separators=(",", ":")
        )
        return urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()

    @classmethod
    def decode(cls, text: str, sort: OrderSort) -> Cursor:
        """Reads a cursor made for `sort`; anything else is INVALID (`after`)."""
        try:
            field, descending, key, row_id = json.loads(urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            cursor = cls(OrderSort(SortField(field), bool(descending)), key, str(row_id))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError):
            raise invalid("after is not a cursor of this list", "after") from None
        if cursor.sort != sort or not isinstance(key, (str, int)):
            raise invalid("after was made for another sort order", "after")
        return cursor


@dataclass(frozen=True, slots=True)
class OrderQuery:
    filter: OrderFilter
    sort: OrderSort
    first: int
    after: str | None = None


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    cursors: list[str]
    has_next: bool


def check_first(first: int, limit: int = MAX_PAGE) -> int:
    if not 1 <= first <= limit:
        raise invalid(f"first must be between 1 and {limit}", "first")
    return first


def search_words(text: str) -> list[str]:
    """Lower-case words (letters, digits, underscores) of `text`."""
    return _WORD.findall(text.lower())
