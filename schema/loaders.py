"""Per-request DataLoaders: every nested list of a page of orders is fetched in one batch per kind."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, TypeVar

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from app.domain.model import CustomStatus, Fulfillment, HistoryEntry, LineItem, Order, Payment
    from app.orders import OrderService

T = TypeVar("T")


def _lists(fetch: Callable[[Sequence[str]], Awaitable[dict[str, list[T]]]]) -> DataLoader[str, list[T]]:
    async def load(keys: list[str]) -> list[list[T]]:
        found = await fetch(keys)
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """The loaders of one request; mutations call `forget` so later reads see the change."""

    def __init__(self, service: OrderService) -> None:
        async def orders(keys: list[str]) -> list[Order | None]:
            return await service.orders_by_ids(keys)

        async def statuses(keys: list[str]) -> list[CustomStatus | None]:
            found = await service.statuses_by_id(keys)
            return [found.get(key) for key in keys]

        self.order_by_id: DataLoader[str, Order | None] = DataLoader(load_fn=orders, max_batch_size=100)
        self.status_by_id: DataLoader[str, CustomStatus | None] = DataLoader(load_fn=statuses)
        self.line_items_by_order_id: DataLoader[str, list[LineItem]] = _lists(service.line_items)
        self.history_by_order_id: DataLoader[str, list[HistoryEntry]] = _lists(service.history)
        self.payments_by_order_id: DataLoader[str, list[Payment]] = _lists(service.payments)
        self.fulfillments_by_order_id: DataLoader[str, list[Fulfillment]] = _lists(service.fulfillments)

    def forget(self, order: Order) -> None:
        """Drops what this request cached about `order` and primes it with its new state."""
        for loader in (
            self.line_items_by_order_id,
            self.history_by_order_id,
            self.payments_by_order_id,
            self.fulfillments_by_order_id,
        ):
            with suppress(KeyError):  # nothing cached for it yet
                loader.clear(order.id)
        self.order_by_id.prime(order.id, order, force=True)
