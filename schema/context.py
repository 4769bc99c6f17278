"""The per-request context every resolver receives, and the loaders each operation gets."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.extensions import SchemaExtension
from strawberry.types import Info as _Info

from schema.fanout import current_loaders
from schema.loaders import Loaders

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aiohttp import web

    from app.audit import AuditTrail
    from app.domain.access import Principal
    from app.domain.commands import Actor
    from app.events.service import EventService
    from app.orders import OrderService

_operation_loaders: ContextVar[Loaders | None] = ContextVar("operation_loaders", default=None)


@dataclass(slots=True)
class Context:
    """Who is asking, the request id logs and masked errors carry, and the services.

    `principal` is whom the request acts as (None only on a WebSocket not yet authenticated: every
    operation is then refused); `introspection` says whether `__schema`/`__type` are answered;
    `connection_params` is a WebSocket's `connection_init` payload (Strawberry sets it).
    One context serves a whole WebSocket connection, so loaders are not kept here: each operation gets
    its own (`OperationLoaders`), and each subscription event those of its batch (`schema.fanout`), so
    every read shows the order as it is now.
    """

    service: OrderService
    events: EventService
    actor: Actor
    request_id: str
    principal: Principal | None
    introspection: bool
    audit: AuditTrail
    request: web.Request
    connection_params: dict[str, object] | None = None

    @property
    def loaders(self) -> Loaders:
        """The current event's loaders within a subscription, else the current operation's."""
        loaders = current_loaders() or _operation_loaders.get()
        if loaders is None:
            raise RuntimeError("loaders exist only while an operation runs")
        return loaders


class OperationLoaders(SchemaExtension):
    """Gives every operation fresh loaders as it starts, in the task that runs it (on any transport)."""

    def on_operation(self) -> Iterator[None]:
        context: Context = self.execution_context.context
        # Not reset afterwards: a stream may be closed from another task, and the next operation sets its own.
        _operation_loaders.set(Loaders(context.service))
        yield


Info = _Info[Context, None]
