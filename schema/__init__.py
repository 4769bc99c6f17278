"""The Strawberry schema of the contract (`build_schema`), mounted by app/server.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.extensions import ParserCache, QueryDepthLimiter, ValidationCache

from app.limits import InProcessBuckets
from schema.access import ScopeGuard
from schema.cost import CostModel
from schema.errors import ErrorFormatting, is_bug
from schema.limits import QueryLimiter, QueryLimits
from schema.mutations import Mutation
from schema.queries import Query
from schema.scalars import SCALARS
from schema.subscriptions import Subscription

if TYPE_CHECKING:
    from graphql import GraphQLError
    from strawberry.types import ExecutionContext

    from app.limits import RateLimiter


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
    limits (schema/limits.py), error formatting. Without a `limiter`, in-process buckets of ten maximal
    queries, refilling one a second."""
    limits = limits or QueryLimits()
    buckets = limiter or InProcessBuckets(10 * limits.max_cost, limits.max_cost)
    costs = CostModel(maxsize=256)
    extensions: list[Any] = [
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        ScopeGuard,
        lambda: QueryLimiter(costs, limits, buckets),
        ErrorFormatting,
    ]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        scalar_overrides=SCALARS,
    )


__all__ = ["build_schema", "is_bug"]
