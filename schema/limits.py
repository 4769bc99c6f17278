"""Query limits, enforced after validation and before anything runs: cost, aliases and root fields per
operation, then the rate limit of the caller's bucket.

Every executed operation reports `extensions.cost { requested, actual, limit, remaining }`: `requested` is
the cost measured before execution (schema/cost.py), `actual` the same count over what was returned,
`limit` the per-operation maximum and `remaining` the points left in the caller's bucket. An operation over
a limit is refused whole with `data: null` and a coded error (`COST_LIMIT_EXCEEDED`, `TOO_MANY_ALIASES`,
`TOO_MANY_ROOT_FIELDS`); one its bucket cannot pay is refused with `THROTTLED` and `retryAfter` (seconds),
which the view turns into HTTP 429. Each key has its own bucket; requests without a key (open local mode)
share the anonymous bucket, which is measured and reported but never refuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, OperationType, get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from app.limits import ANONYMOUS, Admission
from schema.cost import CostModel, Measure, count_objects

if TYPE_CHECKING:
    from app.domain.access import Principal
    from app.limits import RateLimiter
    from schema.context import Context


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """The per-operation maxima (settings `GATEWAY_MAX_QUERY_COST`, `_ALIASES`, `_ROOT_FIELDS`)."""

    max_cost: int = 8000
    max_aliases: int = 20
    max_root_fields: int = 20


def refusals(measure: Measure, limits: QueryLimits) -> list[GraphQLError]:
    """Why an operation of this measure may not run; empty when it may."""
    errors = []
    if measure.cost > limits.max_cost:
        message = f"the query costs {measure.cost} points, more than the maximum of {limits.max_cost}"
        errors.append(_error(message, "COST_LIMIT_EXCEEDED", cost=measure.cost, limit=limits.max_cost))
    if measure.aliases > limits.max_aliases:
        message = f"the query uses {measure.aliases} aliases, more than the maximum of {limits.max_aliases}"
        errors.append(_error(message, "TOO_MANY_ALIASES", limit=limits.max_aliases))
    if measure.root_fields > limits.max_root_fields:
        message = (
            f"the query selects {measure.root_fields} root fields, "
            f"more than the maximum of {limits.max_root_fields}"
        )
        errors.append(_error(message, "TOO_MANY_ROOT_FIELDS", limit=limits.max_root_fields))
    return errors


def throttled(admission: Admission) -> GraphQLError:
    """The error of an operation its bucket cannot pay for now."""
    message = f"rate limit exceeded: retry in {admission.retry_after} s"
    return _error(message, "THROTTLED", retryAfter=admission.retry_after)


def bucket_of(principal: Principal | None) -> tuple[str, bool]:
    """The caller's bucket, and whether it may refuse (keys only; the anonymous bucket never refuses)."""
    key_id = principal.key_id if principal else None
    return (key_id, True) if key_id else (ANONYMOUS, False)


async def charge_known(
    limiter: RateLimiter, principal: Principal | None, requested: int, actual: int
) -> int | None:
    """Charges an operation whose cost is known without running it (a kept answer) as running it would be
    charged: the points left in the caller's bucket, or None when the bucket refuses it."""
    bucket, enforced = bucket_of(principal)
    admission = await limiter.take(bucket, requested)
    if not admission.admitted:
        return None if enforced else admission.remaining
    unused = requested - actual
    return await limiter.give_back(bucket, unused) if unused else admission.remaining


def _error(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


class QueryLimiter(SchemaExtension):
    """Measures each operation, refuses it over a limit or its bucket, and reports its cost."""

    def __init__(self, model: CostModel, limits: QueryLimits, limiter: RateLimiter) -> None:
        self._model = model
        self._limits = limits
        self._limiter = limiter
        self._requested = 0
        self._actual = 0
        self._remaining: int | None = None

    def _bucket(self) -> tuple[str, bool]:
        context: Context | None = self.execution_context.context
        return bucket_of(context.principal if context else None)

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        operation = get_operation_ast(document, execution.operation_name) if document else None
        if execution.result is not None or document is None or operation is None or execution.query is None:
            yield  # refused already (scopes)
            return
        measure = self._model.measure(
            execution.schema._schema, execution.query, document, operation, execution.variables
        )
        self._requested = measure.cost
        errors = refusals(measure, self._limits)
        if errors and operation.operation is OperationType.SUBSCRIPTION:
            raise errors[0]
        if errors:
            execution.result = ExecutionResult(data=None, errors=errors)
            yield
            return
        bucket, enforced = self._bucket()
        charged = operation.operation is not OperationType.SUBSCRIPTION
        admission = await self._limiter.take(bucket, measure.cost) if charged else None
        if admission is not None and not admission.admitted and enforced:
            self._remaining = admission.remaining
            execution.result = ExecutionResult(data=None, errors=[throttled(admission)])
            yield
            return
        yield
        result = execution.result
        self._actual = measure.base + count_objects(result.data if result else None, measure.free)
        if admission is not None and admission.admitted:
            unused = measure.cost - self._actual
            # Nothing to give back is the common case: no second bucket call (a statement on PostgreSQL).
            self._remaining = await self._limiter.give_back(bucket, unused) if unused else admission.remaining

    async def get_results(self) -> dict[str, Any]:
        if self._remaining is None:
            self._remaining = await self._limiter.level(self._bucket()[0])
        cost = {
            "requested": self._requested,
            "actual": self._actual,
            "limit": self._limits.max_cost,
            "remaining": self._remaining,
        }
        return {"cost": cost}
