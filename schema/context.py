"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.types import Info as _Info

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
    loaders: Loaders


Info = _Info[Context, None]
