"""The Query type: thin resolvers over the order service."""

from __future__ import annotations

import strawberry

from app.domain.errors import DomainError, ErrorCode
from app.domain.events import EVERY_EVENT
from app.domain.listing import MAX_IDS
from app.domain.listing import OrderFilter as DomainFilter
from app.domain.listing import OrderSort as DomainSort
from schema.context import Info
from schema.inputs import OMITTED, OrderEventFilter, OrderFilter, OrderSort, opt
from schema.types.order import CustomOrderStatus, Order
from schema.types.payloads import OrderEdge, OrderEventConnection, PageInfo


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    nodes: list[Order]
    page_info: PageInfo
    filter: strawberry.Private[DomainFilter]

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        return await info.context.service.count(self.filter)


@strawberry.type
class Query:
    @strawberry.field(description="One order, or null when no order has that id.")
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:
        found = await info.context.loaders.order_by_id.load(id)
        return Order.from_domain(found) if found else None

    @strawberry.field(description="One order by its human-readable number (unique within a source), or null.")
    async def order_by_number(self, info: Info, number: str, source: str | None = "local") -> Order | None:
        found = await info.context.service.order_by_number(number, source or "local")
        return Order.from_domain(found) if found else None

    @strawberry.field(
        description="Up to 100 orders by id, in the order asked; null where an id matches none."
    )
    async def orders_by_ids(self, info: Info, ids: list[strawberry.ID]) -> list[Order | None]:
        if len(ids) > MAX_IDS:
            raise DomainError(f"at most {MAX_IDS} ids at once", ("ids",), ErrorCode.LIMIT_EXCEEDED)
        found = await info.context.loaders.order_by_id.load_many(ids)
        return [Order.from_domain(o) if o else None for o in found]

    @strawberry.field(description="Orders matching the filter. Cursor pagination; first is 1..100.")
    async def orders(
        self,
        info: Info,
        filter: OrderFilter | None = OMITTED,
        sort: OrderSort | None = OMITTED,
        first: int | None = 50,
        after: str | None = OMITTED,
    ) -> OrderConnection:
        domain_filter = filter.to_domain() if filter else DomainFilter()
        domain_sort = sort.to_domain() if sort else DomainSort()
        page = await info.context.service.search(
            domain_filter, domain_sort, 50 if first is None else first, opt(after)
        )
        loader = info.context.loaders.order_by_id
        nodes = []
        for order in page.orders:
            loader.prime(order.id, order)
            nodes.append(Order.from_domain(order))
        return OrderConnection(
            edges=[OrderEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_next, end_cursor=page.cursors[-1] if page.cursors else None
            ),
            filter=domain_filter,
        )

    @strawberry.field(
        description=(
            "The shop's own order statuses, in the order they were defined: those of `source`, or, without"
            " it, those of every backend switched on (local first), each naming its source."
        )
    )
    async def order_statuses(self, info: Info, source: str | None = None) -> list[CustomOrderStatus]:
        return [CustomOrderStatus.from_domain(s) for s in await info.context.service.statuses(source)]

    @strawberry.field(
        description="The durable order event log, oldest first, after the given cursor; first is 1..500."
    )
    async def order_event_log(
        self,
        info: Info,
        filter: OrderEventFilter | None = OMITTED,
        after: str | None = OMITTED,
        first: int | None = 100,
    ) -> OrderEventConnection:
        page = await info.context.events.page(
            filter.to_domain() if filter else EVERY_EVENT, opt(after), 100 if first is None else first
        )
        return OrderEventConnection.from_domain(page)
