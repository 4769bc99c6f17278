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


class _OperationLoaders:
    """The loaders of one operation, made on first use: a subscription reads through its events' loaders
    and never needs its own, and it holds them for as long as it is open."""

    __slots__ = ("_loaders", "_service")

    def __init__(self, service: OrderService) -> None:
        self._service = service
        self._loaders: Loaders | None = None

    def get(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self._service)
        return self._loaders


_operation_loaders: ContextVar[_OperationLoaders | None] = ContextVar("operation_loaders", default=None)


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
        loaders = current_loaders()
        if loaders is not None:
            return loaders
        operation = _operation_loaders.get()
        if operation is None:
            raise RuntimeError("loaders exist only while an operation runs")
        return operation.get()


class OperationLoaders(SchemaExtension):
    """Gives every operation fresh loaders as it starts, in the task that runs it (on any transport)."""

    def on_operation(self) -> Iterator[None]:
        context: Context = self.execution_context.context
        # Not reset afterwards: a stream may be closed from another task, and the next operation sets its own.
        _operation_loaders.set(_OperationLoaders(context.service))
        yield


Info = _Info[Context, None]
