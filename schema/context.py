"""The per-request context every resolver receives."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.types import Info as _Info

if TYPE_CHECKING:
    from app.domain.commands import Actor
    from app.events.service import EventService
    from app.orders import OrderService
    from schema.loaders import Loaders

_event_loaders: ContextVar[Loaders | None] = ContextVar("event_loaders", default=None)


def resolve_event_with(loaders: Loaders) -> None:
    """Makes `loaders` serve what the current task resolves next: a subscription sets them per event.

    A WebSocket connection keeps one context for all its operations, but each event must see the order as
    it is now, and every subscriber of one batch of events shares that batch's loaders (one read for all).
    Each operation runs in its own task, so this setting stays within the subscription that made it.
    """
    _event_loaders.set(loaders)


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
        """The loaders to use now: the current event's within a subscription, else the request's."""
        return _event_loaders.get() or self.request_loaders


Info = _Info[Context, None]
