"""One event, many subscribers: what they can share is computed once.

The subscribers of one batch of events (one read of the log) share its loaders, so each order is read
once; and per event, subscribers running the same operation (same document, same variables) share one
execution of it, so a thousand dashboards on one subscription cost one execution per event, not a
thousand. A subscription marks the event it is about to hand over with `enter_event`; the executor
(`SharedEventExecution`) and the loaders (`Context.loaders`) read that mark in the same task.

A shared execution runs in a task of its own: a subscriber that goes away while it runs cancels only
its own wait.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self
from weakref import WeakKeyDictionary

from graphql import OperationType

from schema.compiled import CompiledQueryExecution
from schema.loaders import Loaders

if TYPE_CHECKING:
    from graphql import OperationDefinitionNode

    from app.events.log import EventBatch
    from app.orders import OrderService

# (event sequence, operation node identity, variables): AST nodes hash their whole tree, identity is cheap.
ResultKey = tuple[int, int, str]


@dataclass(slots=True, eq=False)
class BatchShare:
    """What the subscribers of one batch share: its loaders, and the results executed for its events."""

    loaders: Loaders
    results: dict[ResultKey, tuple[OperationDefinitionNode, asyncio.Future[Any]]] = field(
        default_factory=dict
    )


_shares: WeakKeyDictionary[EventBatch, BatchShare] = WeakKeyDictionary()  # entries go with their batch
_current: ContextVar[tuple[BatchShare, int] | None] = ContextVar("current_event", default=None)


def enter_event(batch: EventBatch, seq: int, service: OrderService) -> None:
    """Marks the event numbered `seq` of `batch` as the one this task resolves next."""
    share = _shares.get(batch)
    if share is None:
        share = _shares[batch] = BatchShare(Loaders(service))
    _current.set((share, seq))


def current_loaders() -> Loaders | None:
    """The loaders of the event this task resolves, if it resolves one."""
    current = _current.get()
    return current[0].loaders if current else None


class SharedEventExecution(CompiledQueryExecution):
    """Executes a subscription event once per distinct operation and variables, for all its subscribers."""

    def __copy__(self) -> Self:
        """The same executor, attribute for attribute: graphql-core copies a subscription's executor for
        each of its events, and `copy`'s generic protocol costs several times this."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def execute_operation(self, serially: bool | None = None) -> Any:
        current = _current.get()
        if current is None or self.operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        share, seq = current
        # Coerced variables follow the operation's definitions and input types' field order: stable. The
        # entry holds the operation, so its id cannot be reused while the entry exists.
        key = (seq, id(self.operation), repr(self.variable_values.coerced))
        entry = share.results.get(key)
        if entry is not None:
            shared = entry[1]
            return shared.result() if shared.done() else asyncio.shield(shared)
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            running = asyncio.ensure_future(result)
            running.add_done_callback(_retrieve)
            share.results[key] = (self.operation, running)
            return asyncio.shield(running)
        done = asyncio.get_running_loop().create_future()
        done.set_result(result)
        share.results[key] = (self.operation, done)
        return result


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Marks a failure as seen: every subscriber still waiting gets it as its own result."""
    if not task.cancelled():
        task.exception()
