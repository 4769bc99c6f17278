"""Reading Retailys orders and statuses, each kept for a few seconds once read.

A page of orders comes with everything the API shows of them (`expanded=true`: the shipping line too), so
the line items, payments and fulfillments a GraphQL page asks for next are served from what the list read
instead of one more call per order, and its `totalCount` from the list's paginator. A change made through
the gateway replaces the order it read back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from app.backends.system import mapping, paging
from app.domain.errors import NotFound

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.backends.system.client import SystemClient
    from app.backends.system.mapping import Json

ORDERS = "/System/Orders"
STATUSES = "/System/Orders/Statuses"
KEPT_MAX = 5000


class Snapshots:
    """Orders and statuses as Retailys sent them, each for `keep_s` seconds."""

    def __init__(self, client: SystemClient, keep_s: float) -> None:
        self.client = client
        self.keep_s = keep_s
        self._orders: dict[int, tuple[float, Json]] = {}
        self._statuses: tuple[float, list[Json]] | None = None
        self._totals: dict[frozenset[tuple[str, str]], tuple[float, int]] = {}

    def keep(self, raw: Json) -> Json:
        """Remembers an order just read; returns it."""
        mapping.order_json(raw)
        if len(self._orders) >= KEPT_MAX:
            self._orders.clear()
        self._orders[raw["id"]] = (time.monotonic(), raw)
        return raw

    async def fetch(self, native: int) -> Json:
        """The order as Retailys has it now."""
        return self.keep(await self.client.get(f"{ORDERS}/{native}", {"expanded": "true"}))

    async def recent(self, public_ids: Sequence[str]) -> dict[str, Json]:
        """The orders of `public_ids` that exist, by public id: kept ones, the others fetched at once."""
        natives: dict[int, str] = {}
        for public_id in public_ids:
            with contextlib.suppress(NotFound):
                natives[mapping.native_id(public_id, "Order")] = public_id
        horizon = time.monotonic() - self.keep_s
        found = {n: entry[1] for n in natives if (entry := self._orders.get(n)) and entry[0] >= horizon}

        async def fetch(native: int) -> None:
            with contextlib.suppress(NotFound):
                found[native] = await self.fetch(native)

        await asyncio.gather(*(fetch(n) for n in natives if n not in found))
        return {natives[n]: raw for n, raw in found.items()}

    def keep_total(self, params: dict[str, str], total: int) -> None:
        """Remembers how many orders a list with these filter parameters had."""
        if len(self._totals) >= KEPT_MAX:
            self._totals.clear()
        self._totals[frozenset(params.items())] = (time.monotonic(), total)

    def total(self, params: dict[str, str]) -> int | None:
        """How many orders a list with these filter parameters had a moment ago, if it was read."""
        kept = self._totals.get(frozenset(params.items()))
        return kept[1] if kept and kept[0] >= time.monotonic() - self.keep_s else None

    async def statuses(self) -> list[Json]:
        """Every custom status, by `sort` (all pages)."""
        if self._statuses is not None and self._statuses[0] >= time.monotonic() - self.keep_s:
            return self._statuses[1]
        rows: list[Json] = []
        page = 1
        while True:
            body = await self.client.get(STATUSES, {"page": page, "per_page": paging.MAX_PER_PAGE})
            rows += body.get("statuses") or []
            if page >= int((body.get("paginator") or {}).get("pages") or 1):
                break
            page += 1
        rows.sort(key=lambda row: (row.get("sort") or 0, row["id"]))
        self._statuses = (time.monotonic(), rows)
        return rows
