"""Scopes, checked before execution: the scope each root field needs, and the guard that enforces them.

An operation selecting any root field its principal's scopes do not cover is refused whole, before
anything runs: one `FORBIDDEN` error per such field, naming the scope, and `data: null`. A field missing
from `SCOPES` is refused to everyone (and fails tests/api/test_scopes.py). Introspection (`__schema`,
`__type`) follows the server's introspection setting; `__typename` needs nothing. Refused mutations go to
the audit trail with the outcome `FORBIDDEN`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationType,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from app.domain.access import Scope
from schema.audit import record_refused

if TYPE_CHECKING:
    from graphql import DocumentNode, OperationDefinitionNode, SelectionSetNode

    from schema.context import Context

_READ, _WRITE = Scope.ORDERS_READ, Scope.ORDERS_WRITE
_PAY, _SHIP = Scope.PAYMENTS_WRITE, Scope.FULFILLMENTS_WRITE

SCOPES: dict[str, Scope] = {
    "Query.order": _READ,
    "Query.orderByNumber": _READ,
    "Query.ordersByIds": _READ,
    "Query.orders": _READ,
    "Query.orderStatuses": _READ,
    "Query.orderEventLog": Scope.EVENTS_READ,
    "Subscription.orderEvents": Scope.EVENTS_READ,
    "Mutation.createOrder": _WRITE,
    "Mutation.updateOrder": _WRITE,
    "Mutation.approveOrder": _WRITE,
    "Mutation.cancelOrder": _WRITE,
    "Mutation.completeOrder": _WRITE,
    "Mutation.setOrderStatus": _WRITE,
    "Mutation.addOrderHistory": _WRITE,
    "Mutation.addLineItem": _WRITE,
    "Mutation.updateLineItem": _WRITE,
    "Mutation.removeLineItem": _WRITE,
    "Mutation.defineOrderStatus": Scope.ADMIN,
    "Mutation.markOrderPaid": _PAY,
    "Mutation.addPayments": _PAY,
    "Mutation.updatePaymentStatus": _PAY,
    "Mutation.bulkUpdatePaymentStatuses": _PAY,
    "Mutation.refundPayment": _PAY,
    "Mutation.markOrderSent": _SHIP,
    "Mutation.markOrderDelivered": _SHIP,
    "Mutation.addOrderTracking": _SHIP,
    "Mutation.createFulfillment": _SHIP,
    "Mutation.updateFulfillment": _SHIP,
    "Mutation.deleteFulfillment": _SHIP,
    "Mutation.bulkCreateFulfillments": _SHIP,
}
"""The scope each root field needs, by schema coordinate (`Type.field`)."""

INTROSPECTION = frozenset({"__schema", "__type"})
_ROOT_TYPES = {
    OperationType.QUERY: "Query",
    OperationType.MUTATION: "Mutation",
    OperationType.SUBSCRIPTION: "Subscription",
}


def root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> list[FieldNode]:
    """Every field selected at the root of `operation`, through fragments, whatever their directives."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    found: list[FieldNode] = []
    pending: list[SelectionSetNode] = [operation.selection_set]
    spread: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
                spread.add(selection.name.value)
                if fragment := fragments.get(selection.name.value):
                    pending.append(fragment.selection_set)
    return found


def refusals(context: Context, root_type: str, fields: list[FieldNode]) -> list[GraphQLError]:
    """Why the principal may not run these root fields; empty when it may."""
    principal = context.principal
    if principal is None:
        message = "an API key is required: send Authorization: Bearer <key>"
        return [GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})]
    errors = []
    for field in fields:
        name = field.name.value
        key = (field.alias or field.name).value
        if name == "__typename" or (name in INTROSPECTION and context.introspection):
            continue
        if name in INTROSPECTION:
            errors.append(_forbidden("introspection is turned off on this gateway", field, key, None))
            continue
        scope = SCOPES.get(f"{root_type}.{name}")
        if scope is None:
            errors.append(_forbidden(f"{root_type}.{name} declares no scope", field, key, None))
        elif scope not in principal.scopes:
            errors.append(_forbidden(f"{root_type}.{name} needs the scope {scope}", field, key, scope))
    return errors


def _forbidden(message: str, field: FieldNode, key: str, scope: Scope | None) -> GraphQLError:
    extensions = {"code": "FORBIDDEN"} | ({"scope": scope.value} if scope else {})
    return GraphQLError(message, [field], path=[key], extensions=extensions)


class ScopeGuard(SchemaExtension):
    """Refuses, before execution, any operation with a root field the principal has no scope for."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        operation = get_operation_ast(document, execution.operation_name) if document else None
        if document is None or operation is None:  # pragma: no cover  (validation refused it already)
            yield
            return
        context: Context = execution.context
        root_type = _ROOT_TYPES[operation.operation]
        fields = root_fields(document, operation)
        errors = refusals(context, root_type, fields)
        if errors and root_type == "Mutation":
            record_refused(context, fields, execution.variables)
        if errors and root_type == "Subscription":
            raise errors[0]
        if errors:
            execution.result = ExecutionResult(data=None, errors=errors)
        yield
