"""Reading Wix: orders by id or number, searches, and each order's payments and fulfillments in batches.

A page of orders costs one Search Orders call, one List Transactions For Multiple Orders call and one List
Fulfillments For Multiple Orders call, whatever its size; line items and history come inside the orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.backends.wix import filters
from app.backends.wix import from_wix as wix
from app.backends.wix.request_cache import RequestCache
from app.domain import totals
from app.domain.errors import NotFound, Unsupported
from app.domain.listing import MAX_PAGE, OrderPage, OrderQuery, OrderSort
from app.domain.model import OrderAggregate

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.backends.wix.client import WixClient
    from app.domain.listing import OrderFilter
    from app.domain.model import Fulfillment, HistoryEntry, LineItem, Order, Payment

Json = dict[str, Any]
ORDERS, TRANSACTIONS, FULFILLMENTS = "orders", "transactions", "fulfillments"
COUNT_PAGES_MAX = 100


def natives(public_ids: Sequence[str]) -> list[str]:
    """The Wix ids of those public ids that name Wix orders."""
    return [k for k in map(wix.key, public_ids) if k is not None]


class WixReader:
    """Reads through one request's cache (see `request_cache`)."""

    def __init__(self, client: WixClient) -> None:
        self.client = client
        self.cache = RequestCache()

    # ---------------------------------------------------------------------------------- raw documents

    async def order_docs(self, wix_ids: Sequence[str]) -> dict[str, Json]:
        return await self.cache.get(ORDERS, wix_ids, self.fetch_orders)

    async def fetch_orders(self, wix_ids: list[str]) -> dict[str, Json]:
        """Search by id (one call per 100), then Get Order for the rest (INITIALIZED orders, or unknown)."""
        found: dict[str, Json] = {}
        for start in range(0, len(wix_ids), MAX_PAGE):
            chunk = wix_ids[start : start + MAX_PAGE]
            body = {"search": {"filter": {"id": {"$in": chunk}}, "cursorPaging": {"limit": len(chunk)}}}
            answer = await self.client.read("/ecom/v1/orders/search", body)
            with wix.reading("a search result"):
                found.update({doc["id"]: doc for doc in answer.get("orders") or []})
        for wix_id in wix_ids:
            if wix_id not in found:
                try:
                    answer = await self.client.get(f"/ecom/v1/orders/{wix_id}")
                except NotFound:
                    continue
                with wix.reading("an order"):
                    found[wix_id] = answer["order"]
        return found

    async def order_doc(self, wix_id: str, *field: str) -> Json:
        """One order's document; NOT_FOUND (at `field`) when Wix has none."""
        doc = (await self.order_docs([wix_id])).get(wix_id)
        if doc is None:
            raise NotFound("no order has that id", field or None)
        return doc

    async def transaction_docs(self, wix_ids: Sequence[str]) -> dict[str, Json]:
        return await self.cache.get(TRANSACTIONS, wix_ids, self.fetch_transactions)

    async def fetch_transactions(self, wix_ids: list[str]) -> dict[str, Json]:
        found: dict[str, Json] = {}
        for start in range(0, len(wix_ids), MAX_PAGE):
            body = {"orderIds": wix_ids[start : start + MAX_PAGE]}
            answer = await self.client.read("/ecom/v1/payments/list-by-ids", body)
            with wix.reading("a transactions list"):
                found.update({t["orderId"]: t for t in answer.get("orderTransactions") or []})
        return found

    async def fulfillment_docs(self, wix_ids: Sequence[str]) -> dict[str, list[Json]]:
        return await self.cache.get(FULFILLMENTS, wix_ids, self.fetch_fulfillments)

    async def fetch_fulfillments(self, wix_ids: list[str]) -> dict[str, list[Json]]:
        found: dict[str, list[Json]] = {}
        for start in range(0, len(wix_ids), MAX_PAGE):
            body = {"orderIds": wix_ids[start : start + MAX_PAGE]}
            answer = await self.client.read("/ecom/v1/fulfillments/list-by-ids", body)
            with wix.reading("a fulfillments list"):
                for entry in answer.get("ordersWithFulfillments") or []:
                    found[entry["orderId"]] = list(entry.get("fulfillments") or [])
        return found

    def remember(self, order: Json | None = None, **by_kind: dict[str, Any]) -> None:
        """Keeps what a write returned, so the rest of the request reads the new state."""
        if order is not None:
            self.cache.put(ORDERS, {order["id"]: order})
        for kind, docs in by_kind.items():
            self.cache.put(kind, docs)

    # ------------------------------------------------------------------------------- domain reads

    async def orders(self, public_ids: Sequence[str]) -> dict[str, Order]:
        docs = await self.order_docs(natives(public_ids))
        return {wix.public("Order", k): wix.order(doc) for k, doc in docs.items()}

    async def by_number(self, number: str) -> Order | None:
        if not number.isdigit() or len(number) > 18:
            return None
        body = {"search": {"filter": {"number": {"$eq": number}}, "cursorPaging": {"limit": 1}}}
        answer = await self.client.read("/ecom/v1/orders/search", body)
        with wix.reading("a search result"):
            docs = answer.get("orders") or []
        if not docs:
            return None
        self.remember(docs[0])
        return wix.order(docs[0])

    async def search(self, query: OrderQuery) -> OrderPage:
        body = filters.search_body(query)
        if body is None:
            return OrderPage(orders=[], cursors=[], has_next=False)
        answer = await self.client.read("/ecom/v1/orders/search", body)
        with wix.reading("a search result"):
            docs: list[Json] = list(answer.get("orders") or [])
            meta: Json = answer.get("metadata") or {}
            nxt = (meta.get("cursors") or {}).get("next")
            has_next = bool(meta.get("hasNext", nxt is not None)) and bool(nxt)
        self.cache.put(ORDERS, {doc["id"]: doc for doc in docs})
        cursor = filters.make_cursor(nxt if has_next else None)
        return OrderPage(
            orders=[wix.order(doc) for doc in docs], cursors=[cursor] * len(docs), has_next=has_next
        )

    async def count(self, f: OrderFilter) -> int:
        """Wix reports no total: pages through the same search, up to COUNT_PAGES_MAX pages of 100."""
        total, after = 0, None
        for _ in range(COUNT_PAGES_MAX):
            page = await self.search(OrderQuery(f, OrderSort(), MAX_PAGE, after))
            total += len(page.orders)
            if not page.has_next:
                return total
            after = page.cursors[-1]
        raise Unsupported(
            f"the wix backend counts at most {COUNT_PAGES_MAX * MAX_PAGE} orders: narrow the filter",
            ("totalCount",),
        )

    async def line_items(self, public_ids: Sequence[str]) -> dict[str, list[LineItem]]:
        keys = natives(public_ids)
        docs = await self.order_docs(keys)
        done = await self.fulfillment_docs(list(docs))
        return {
            wix.public("Order", k): wix.line_items(doc, wix.fulfilled_units(done.get(k, [])))
            for k, doc in docs.items()
        }

    async def history(self, public_ids: Sequence[str]) -> dict[str, list[HistoryEntry]]:
        docs = await self.order_docs(natives(public_ids))
        return {wix.public("Order", k): wix.history(doc) for k, doc in docs.items()}

    async def payments(self, public_ids: Sequence[str]) -> dict[str, list[Payment]]:
        docs = await self.transaction_docs(natives(public_ids))
        return {wix.public("Order", k): wix.payments(doc) for k, doc in docs.items()}

    async def fulfillments(self, public_ids: Sequence[str]) -> dict[str, list[Fulfillment]]:
        docs = await self.fulfillment_docs(natives(public_ids))
        return {wix.public("Order", k): wix.fulfillments(items) for k, items in docs.items()}

    async def aggregates(self, wix_ids: Sequence[str]) -> dict[str, OrderAggregate]:
        """Orders with their lines, payments and fulfillments, as the domain rules look at them."""
        docs = await self.order_docs(wix_ids)
        txs = await self.transaction_docs(list(docs))
        done = await self.fulfillment_docs(list(docs))
        out: dict[str, OrderAggregate] = {}
        for k, doc in docs.items():
            items = done.get(k, [])
            agg = OrderAggregate(
                order=wix.order(doc),
                line_items=wix.line_items(doc, wix.fulfilled_units(items)),
                payments=wix.payments(txs.get(k) or {}),
                fulfillments=wix.fulfillments(items),
            )
            totals.recompute(agg)
            out[k] = agg
        return out

    async def aggregate(self, wix_id: str, *field: str) -> OrderAggregate:
        found = await self.aggregates([wix_id])
        if wix_id not in found:
            raise NotFound("no order has that id", field or None)
        return found[wix_id]
