"""The Strawberry schema of the contract (`build_schema`), mounted by app/server.py."""

from __future__ import annotations

from collections import OrderedDict
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, QueryDepthLimiter, SchemaExtension
from strawberry.schema.schema import validate_document

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

    from graphql import DocumentNode, GraphQLSchema
    from graphql.validation import ASTValidationRule
    from strawberry.types import ExecutionContext

    from app.limits import RateLimiter

Rules = tuple[type["ASTValidationRule"], ...]


class ParserCacheReportingSyntaxErrors(ParserCache):
    """Caches parsed documents; one with a syntax error is left to Strawberry's own parse, which reports it
    as a GraphQL error on every transport (raised from this hook, it would escape a WebSocket operation)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


class ValidationResults:
    """The validation errors of the last `maxsize` documents, by schema, document and rules.

    Documents come from the parser cache, so the same text is the same node: it is looked up by identity,
    where Strawberry's `ValidationCache` hashes the whole tree on every request.
    """

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._found: OrderedDict[tuple[int, int, Rules], tuple[object, object, list[GraphQLError]]] = (
            OrderedDict()
        )

    def errors(self, schema: GraphQLSchema, document: DocumentNode, rules: Rules) -> list[GraphQLError]:
        """The errors of `document` under `rules`, validated on first sight."""
        key = (id(schema), id(document), rules)
        found = self._found.get(key)
        if found is not None and found[0] is schema and found[1] is document:
            self._found.move_to_end(key)
            return found[2]
        errors = validate_document(schema, document, rules)
        self._found[key] = (schema, document, errors)
        if len(self._found) > self._maxsize:
            self._found.popitem(last=False)
        return errors


class CachedValidation(SchemaExtension):
    """Validates with the standard rules and `rules` (built once, so that they key the cache)."""

    def __init__(self, results: ValidationResults, rules: Rules) -> None:
        self._results = results
        self._rules = rules

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            context.pre_execution_errors = self._results.errors(
                context.schema._schema, context.graphql_document, context.validation_rules + self._rules
            )
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
    validated = ValidationResults(maxsize=256)
    depth_rules = tuple(QueryDepthLimiter(max_depth=max_depth).validation_rules)
    extensions: list[Any] = [
        OperationRecording,
        lambda: ParserCacheReportingSyntaxErrors(maxsize=256),
        lambda: CachedValidation(validated, depth_rules),
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
