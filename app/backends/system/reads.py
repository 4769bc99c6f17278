"""The reading half of the `system` backend, and the helpers its writes share.

Reads go through `Snapshots`, so a page of orders costs one upstream call whatever children it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.backends.system import filters, mapping, paging
from app.backends.system.snapshots import ORDERS, Snapshots
from app.domain.errors import NotFound, Unsupported, invalid
from app.domain.listing import Cursor, OrderPage

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime

    from app.backends.system.changes import OrderChanges
    from app.backends.system.client import SystemClient
    from app.backends.system.mapping import Json, Shippers
    from app.domain.listing import OrderFilter, OrderQuery
    from app.domain.model import (
        CustomStatus,
        Fulfillment,
        HistoryEntry,
        HistoryKind,
        LineItem,
        Order,
        Payment,
    )

SOURCE = mapping.SOURCE


def unsupported(what: str, *field: str) -> Unsupported:
    return Unsupported(f"the Retailys backend cannot {what}", field or None)


@dataclass(frozen=True, slots=True)
class SystemOptions:
    """The operator's choices: provider → shipper_id, history kind → Retailys history `type`."""

    shippers: Shippers
    history_types: Mapping[HistoryKind, str]
    cache_s: float = 2.0


class SystemReads:
    """Reads of `OrderBackend` over the Retailys API, and what the writes build on."""

    name = SOURCE

    def __init__(
        self,
        client: SystemClient,
        changes: OrderChanges,
        options: SystemOptions,
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.changes = changes
        self.options = options
        self.clock = clock
        self.snapshots = Snapshots(client, options.cache_s)

    # ------------------------------------------------------------------------------------------ reads

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        return {
            public_id: mapping.order(raw) for public_id, raw in (await self.snapshots.recent(ids)).items()
        }

    async def get_order_by_number(self, number: str) -> Order | None:
        if not number.isdigit() or len(number) > 18:
            return None
        found = await self.get_orders([mapping.order_id(int(number))])
        return next(iter(found.values()), None)

    async def search_orders(self, query: OrderQuery) -> OrderPage:
        filters.check_sort(query.sort)
        params = filters.query_params(query.filter)
        if params is None:
            return OrderPage([], [], has_next=False)
        offset = 0
        if query.after is not None:
            key = Cursor.decode(query.after, query.sort).key
            if not isinstance(key, int) or key < 0:
                raise invalid("after is not a cursor of this list", "after")
            offset = key + 1
        rows: list[Json] = []
        total = 0
        for fetch in paging.plan(offset, query.first):
            body = await self.client.get(
                ORDERS, {**params, "page": fetch.page, "per_page": fetch.per_page, "expanded": "true"}
            )
            total = int((body.get("paginator") or {}).get("total") or 0)
            rows += (body.get("orders") or [])[fetch.skip :]
        self.snapshots.keep_total(params, total)
        rows = [self.snapshots.keep(raw) for raw in rows[: query.first]]
        return OrderPage(
            orders=[mapping.order(raw) for raw in rows],
            cursors=[Cursor(query.sort, offset + i, str(raw["id"])).encode() for i, raw in enumerate(rows)],
            has_next=offset + len(rows) < total,
        )

    async def count_orders(self, filter: OrderFilter) -> int:
        params = filters.query_params(filter)
        if params is None:
            return 0
        kept = self.snapshots.total(params)
        if kept is not None:
            return kept
        body = await self.client.get(ORDERS, {**params, "page": 1, "per_page": paging.MIN_PER_PAGE})
        total = int((body.get("paginator") or {}).get("total") or 0)
        self.snapshots.keep_total(params, total)
        return total

    async def line_items(self, order_ids: Sequence[str]) -> Mapping[str, list[LineItem]]:
        return {oid: mapping.line_items(raw) for oid, raw in (await self.snapshots.recent(order_ids)).items()}

    async def history(self, order_ids: Sequence[str]) -> Mapping[str, list[HistoryEntry]]:
        return {oid: mapping.history(raw) for oid, raw in (await self.snapshots.recent(order_ids)).items()}

    async def payments(self, order_ids: Sequence[str]) -> Mapping[str, list[Payment]]:
        return {oid: mapping.payments(raw) for oid, raw in (await self.snapshots.recent(order_ids)).items()}

    async def fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        shippers = self.options.shippers
        return {
            oid: mapping.fulfillments(raw, shippers)
            for oid, raw in (await self.snapshots.recent(order_ids)).items()
        }

    async def statuses(self) -> list[CustomStatus]:
        return [mapping.custom_status(row) for row in await self.snapshots.statuses()]

    async def statuses_by_id(self, ids: Sequence[str]) -> Mapping[str, CustomStatus]:
        wanted = set(ids)
        return {s.id: s for s in await self.statuses() if s.id in wanted}

    # ------------------------------------------------------------------------------ write helpers

    async def _current(self, order_id: str, field: str = "id") -> tuple[int, Json]:
        native = mapping.native_id(order_id, "Order", field)
        try:
            return native, await self.snapshots.fetch(native)
        except NotFound as missing:
            raise NotFound(missing.message, (field,)) from None

    async def _changed(self, native: int) -> Json:
        """Reads the order back after a change and logs the change's events."""
        raw = await self.snapshots.fetch(native)
        await self.changes.observe([raw])
        return raw

    async def _flag(self, native: int, flag: str) -> None:
        await self.client.call("PATCH", f"{ORDERS}/{native}/{flag}", idempotent=True)

    async def _history(self, native: int, kind: HistoryKind, name: str, status: str) -> object:
        """Writes a history record when `kind` is mapped to a Retailys type; its id, or None."""
        upstream_type = self.options.history_types.get(kind)
        if upstream_type is None:
            return None
        body = {"type": upstream_type, "record": {"name": name, "status": status}}
        answer = await self.client.call("POST", f"{ORDERS}/{native}/history", body=body, idempotent=False)
        return answer.get("id") if isinstance(answer, dict) else None

    async def _status_native(self, status_id: str, *field: str) -> int:
        native = mapping.native_id(status_id, "OrderStatus", *field)
        if not any(row["id"] == native for row in await self.snapshots.statuses()):
            raise NotFound(f"no order status has the id {status_id[:100]!r}", field)
        return native
