"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.types import Info as _Info

if TYPE_CHECKING:
    from app.audit import AuditTrail
    from app.domain.access import Principal
    from app.domain.commands import Actor
    from app.orders import OrderService
    from schema.loaders import Loaders


@dataclass(slots=True)
class Context:
    """Who is asking, the request id logs and masked errors carry, the service and this request's loaders.

    `principal` is whom the request acts as (None only on a WebSocket not yet authenticated: every
    operation is then refused); `introspection` says whether `__schema`/`__type` are answered.
    """

    service: OrderService
    actor: Actor
    request_id: str
    loaders: Loaders
    principal: Principal | None
    introspection: bool
    audit: AuditTrail


Info = _Info[Context, None]
