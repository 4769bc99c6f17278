"""Names each operation and its outcome on the record of the request serving it (app/request_scope.py).

The name is the operation's own, or its root fields (sorted, comma-separated) when it has none; the
outcome is decided from the result: `ok`, `user_error` (a rule refused it, as a coded error or as
`userErrors` in a mutation's payload), `rejected` (an invalid or too costly document), `unauthenticated`,
`forbidden`, `throttled` or `error` (a bug). Bounding the names for metric labels is the metrics' job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import get_operation_ast
from strawberry.extensions import SchemaExtension

from app.domain.errors import DomainError
from app.request_scope import current
from schema.access import root_fields
from schema.errors import is_bug

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphql import GraphQLError

# The outcome of each coded error that is not a rule violation (those are `user_error`).
_CODE_OUTCOMES = {
    "INTERNAL_SERVER_ERROR": "error",
    "UNAUTHENTICATED": "unauthenticated",
    "FORBIDDEN": "forbidden",
    "THROTTLED": "throttled",
    "COST_LIMIT_EXCEEDED": "rejected",
    "TOO_MANY_ALIASES": "rejected",
    "TOO_MANY_ROOT_FIELDS": "rejected",
}
# When errors of several kinds come back, the most telling one names the outcome.
_RANK = ("error", "unauthenticated", "forbidden", "throttled", "rejected", "user_error")


class OperationRecording(SchemaExtension):
    """Records the operation's name and type once it is valid, and its outcome once it has run."""

    def on_execute(self) -> Iterator[None]:
        record = current()
        execution = self.execution_context
        document = execution.graphql_document
        operation = get_operation_ast(document, execution.operation_name) if document else None
        if record is not None and document is not None and operation is not None:
            record.operation_type = operation.operation.value
            record.operation = operation.name.value if operation.name else _root_names(document, operation)
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        record = current()
        if record is not None:
            result = self.execution_context.result
            record.outcome = outcome(getattr(result, "errors", None), getattr(result, "data", None))


def _root_names(document: Any, operation: Any) -> str:
    return ",".join(sorted({field.name.value for field in root_fields(document, operation)}))


def outcome(errors: list[GraphQLError] | None, data: object) -> str:
    """The outcome of a result with these `errors` and `data` (see the module's docstring)."""
    if errors:
        return min((_error_outcome(error) for error in errors), key=_RANK.index)
    if isinstance(data, dict) and any(
        isinstance(payload, dict) and payload.get("userErrors") for payload in data.values()
    ):
        return "user_error"
    return "ok"


def _error_outcome(error: GraphQLError) -> str:
    if isinstance(error.original_error, DomainError):
        return "user_error"
    if is_bug(error):
        return "error"
    code = (error.extensions or {}).get("code")
    if code is None:  # a syntax or validation error
        return "rejected"
    return _CODE_OUTCOMES.get(str(code), "user_error")
