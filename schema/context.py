"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.types import Info as _Info

from schema.fanout import current_loaders

if TYPE_CHECKING:
    from app.domain.commands import Actor
    from app.events.service import EventService
    from app.orders import OrderService
    from schema.loaders import Loaders


@dataclass(slots=True)
class Context:
    """Who is asking, the request id logs and masked errors carry, the services and this request's loaders."""

    service: OrderService
    events: EventService
    actor: Actor
    request_id: str
    request_loaders: Loaders

    @property
    def loaders(self) -> Loaders:
        """The loaders to use now: within a subscription, the current event's (a WebSocket keeps one context
        for all its events, but each event must show the order as it is now), else the request's."""
        return current_loaders() or self.request_loaders


Info = _Info[Context, None]
