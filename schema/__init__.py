"""The Strawberry schema of the contract (`build_schema`), mounted by app/server.py."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, QueryDepthLimiter, ValidationCache

from app.limits import InProcessBuckets
from schema.access import ScopeGuard
from schema.context import OperationLoaders
from schema.cost import CostModel
from schema.errors import ErrorFormatting, is_bug
from schema.fanout import SharedEventExecution
from schema.limits import QueryLimiter, QueryLimits
from schema.mutations import Mutation
from schema.observing import OperationRecording
from schema.queries import Query
from schema.scalars import SCALARS
from schema.subscriptions import Subscription

if TYPE_CHECKING:
    from collections.abc import Iterator

    from strawberry.types import ExecutionContext

    from app.limits import RateLimiter


class ParserCacheReportingSyntaxErrors(ParserCache):
    """Caches parsed documents; one with a syntax error is left to Strawberry's own parse, which reports it
    as a GraphQL error on every transport (raised from this hook, it would escape a WebSocket operation)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


class GatewaySchema(strawberry.Schema):
    """Logs only what is a bug; request errors (syntax, validation, rules) are the client's to read."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(
    max_depth: int = 12, limits: QueryLimits | None = None, limiter: RateLimiter | None = None
) -> strawberry.Schema:
    """The schema with its guards: depth limit, cached parsing and validation, scopes, query cost and rate
    limits (schema/limits.py), error formatting; each operation is named for metrics and logs. Without a
    `limiter`, in-process buckets of ten maximal queries, refilling one a second."""
    limits = limits or QueryLimits()
    buckets = limiter or InProcessBuckets(10 * limits.max_cost, limits.max_cost)
    costs = CostModel(maxsize=256)
    extensions: list[Any] = [
        OperationRecording,
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: ParserCacheReportingSyntaxErrors(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        ScopeGuard,
        lambda: QueryLimiter(costs, limits, buckets),
        ErrorFormatting,
        OperationLoaders,
    ]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        scalar_overrides=SCALARS,
        execution_context_class=SharedEventExecution,
    )


__all__ = ["build_schema", "is_bug"]
