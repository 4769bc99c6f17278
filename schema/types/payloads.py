"""Mutation payloads, user errors, connections and events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from schema.context import Info
from schema.types.enums import OrderEventType, UserErrorCode
from schema.types.order import CustomOrderStatus, Fulfillment, HistoryEntry, Order, Payment

if TYPE_CHECKING:
    from app.domain.errors import DomainError
    from app.domain.events import EventPage, LoggedEvent


@strawberry.type(description="A problem with the input: nothing was changed.")
class UserError:
    field: list[str] | None
    message: str
    code: UserErrorCode

    @classmethod
    def from_domain(cls, err: DomainError) -> UserError:
        return cls(field=list(err.field) if err.field else None, message=err.message, code=err.code)


@strawberry.type
class OrderPayload:
    order: Order | None
    user_errors: list[UserError]


@strawberry.type
class CustomOrderStatusPayload:
    status: CustomOrderStatus | None
    user_errors: list[UserError]


@strawberry.type
class PaymentsPayload:
    order: Order | None
    payments: list[Payment]
    user_errors: list[UserError]


@strawberry.type
class FulfillmentPayload:
    order: Order | None
    fulfillment: Fulfillment | None
    user_errors: list[UserError]


@strawberry.type
class BulkItemResult:
    original_index: int
    success: bool
    id: strawberry.ID | None
    order: Order | None
    error: UserError | None


@strawberry.type
class BulkActionMetadata:
    total_successes: int
    total_failures: int


@strawberry.type
class BulkPayload:
    results: list[BulkItemResult]
    bulk_action_metadata: BulkActionMetadata
    user_errors: list[UserError]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type
class OrderEvent:
    id: strawberry.ID
    type: OrderEventType
    order_id: strawberry.ID
    occurred_at: datetime
    history_entry_id: strawberry.Private[str | None]

    @classmethod
    def from_domain(cls, e: LoggedEvent) -> OrderEvent:
        return cls(
            id=strawberry.ID(e.id),
            type=e.type,
            order_id=strawberry.ID(e.order_id),
            occurred_at=e.occurred_at,
            history_entry_id=e.history_entry_id,
        )

    @strawberry.field(description="The order as it is now (null once it no longer exists).")
    async def order(self, info: Info) -> Order | None:
        found = await info.context.loaders.order_by_id.load(self.order_id)
        return Order.from_domain(found) if found else None

    @strawberry.field(description="The history entry the event wrote, where there is one.")
    async def history_entry(self, info: Info) -> HistoryEntry | None:
        if self.history_entry_id is None:
            return None
        for entry in await info.context.loaders.history_by_order_id.load(self.order_id):
            if entry.id == self.history_entry_id:
                return HistoryEntry.from_domain(entry)
        return None


@strawberry.type
class OrderEventEdge:
    cursor: str
    node: OrderEvent


@strawberry.type
class OrderEventConnection:
    edges: list[OrderEventEdge]
    page_info: PageInfo

    @classmethod
    def from_domain(cls, page: EventPage) -> OrderEventConnection:
        edges = [OrderEventEdge(cursor=e.id, node=OrderEvent.from_domain(e)) for e in page.events]
        end = page.events[-1].id if page.events else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=end))
