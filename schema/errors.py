"""How failures reach clients: rule violations as userErrors or coded GraphQL errors, bugs masked.

A resolver of a query raises `DomainError`; the `ErrorFormatting` extension turns it into a GraphQL error
with `extensions.code`. A subscription dropped for falling behind ends with code SLOW_CONSUMER and the
cursor to resume `after`. Any other exception is a bug: the client sees a generic message with the request
id, and the log gets the traceback. Streamed results (subscriptions) are formatted one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.domain.errors import DomainError
from app.events.stream import SlowConsumer

if TYPE_CHECKING:
    from strawberry.types import StreamExecutionResult

    from schema.context import Context

log = logging.getLogger("orders_gateway.errors")
T = TypeVar("T")


def is_bug(error: GraphQLError) -> bool:
    """True for errors that come from an unexpected exception rather than from the request itself."""
    original = error.original_error
    return original is not None and not isinstance(original, (GraphQLError, DomainError, SlowConsumer))


class ErrorFormatting(SchemaExtension):
    """Codes domain errors and masks unexpected ones (logging them in full with the request id)."""

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        if not self._streamed:
            self._format_result(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        self._streamed = True
        self._format_result(result)
        yield

    def _format_result(self, result: object) -> None:
        errors: list[GraphQLError] | None = getattr(result, "errors", None)
        if not errors:
            return
        context: Context | None = self.execution_context.context
        request_id = context.request_id if context else "-"
        result.errors = [self._format(error, request_id) for error in errors]  # type: ignore[attr-defined]

    @staticmethod
    def _format(error: GraphQLError, request_id: str) -> GraphQLError:
        original = error.original_error
        if isinstance(original, SlowConsumer):
            return GraphQLError(
                str(original),
                error.nodes,
                error.source,
                error.positions,
                error.path,
                extensions={"code": "SLOW_CONSUMER", "after": original.after},
            )
        if isinstance(original, DomainError):
            extensions = {"code": original.code.value, "field": list(original.field or ())}
            return GraphQLError(
                original.message,
                error.nodes,
                error.source,
                error.positions,
                error.path,
                extensions=extensions,
            )
        if not is_bug(error):
            return error
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(map(str, error.path or [])),
            request_id,
            exc_info=original,
        )
        return GraphQLError(
            f"Internal server error (request id {request_id})",
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


async def user_errors(action: Callable[[], Awaitable[T]]) -> tuple[T | None, DomainError | None]:
    """Runs a mutation's service call; a rule violation comes back as the error instead of raising."""
    try:
        return await action(), None
    except DomainError as err:
        return None, err
