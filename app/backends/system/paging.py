"""The contract's cursor pagination over Retailys `page`/`per_page` (per_page 10..250).

A cursor holds the position (offset in the list) of the row it follows. The next `first` rows start at
offset `o`; `plan` picks the page size so that the window [o, o + first) lies in one upstream page where
one fits (for a client paging by a steady `first` ≥ 10, `per_page = first` always does), else in two.

    >>> plan(200, 100)
    [Fetch(page=3, per_page=100, skip=0)]
    >>> plan(5, 5)
    [Fetch(page=1, per_page=10, skip=5)]
"""

from __future__ import annotations

from typing import NamedTuple

MIN_PER_PAGE = 10
MAX_PER_PAGE = 250


class Fetch(NamedTuple):
    """One upstream page to read, and how many of its rows come before the window."""

    page: int
    per_page: int
    skip: int


def plan(offset: int, first: int) -> list[Fetch]:
    """The upstream pages that hold rows [offset, offset + first), as few as possible."""
    smallest = max(first, MIN_PER_PAGE)
    for per_page in range(smallest, MAX_PER_PAGE + 1):
        if offset // per_page == (offset + first - 1) // per_page:
            page = offset // per_page
            return [Fetch(page + 1, per_page, offset - page * per_page)]
    page = offset // smallest
    return [Fetch(page + 1, smallest, offset - page * smallest), Fetch(page + 2, smallest, 0)]
