"""Every mutation field goes to the audit trail: who called it, on which orders, and how it ended.

`AuditedMutation` is attached to each field of the Mutation type (schema/mutations/__init__.py); after the
resolver returns it records the field's name, the order ids its arguments name plus those of the orders
its payload carries (a created order's new id), and the outcome: `OK`, the first userError's code, or
`ERROR` when it raised. Operations refused for a missing scope are recorded by the scope guard through
`record_refused`, as `FORBIDDEN`. The write itself happens in the background (app/audit.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from graphql import FieldNode, value_from_ast_untyped
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver

from app.domain.audit import ERROR, FORBIDDEN, OK
from schema.context import Info

if TYPE_CHECKING:
    from schema.context import Context

_TOP_LEVEL_IDS = ("id", "orderId")


def _sent_order_ids(arguments: Mapping[str, Any]) -> list[str]:
    """The order ids in a mutation's arguments as sent: `id` or `orderId` at the top, `orderId` in inputs."""
    found = [str(arguments[name]) for name in _TOP_LEVEL_IDS if isinstance(arguments.get(name), (str, int))]
    for name, value in arguments.items():
        if name not in _TOP_LEVEL_IDS:
            found.extend(_nested_order_ids(value))
    return found


def _nested_order_ids(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _nested_order_ids(item)
    elif isinstance(value, dict):
        for name, item in value.items():
            if name == "orderId" and isinstance(item, (str, int)):
                yield str(item)
            else:
                yield from _nested_order_ids(item)


def _resolver_order_ids(kwargs: Mapping[str, Any]) -> list[str]:
    """The order ids in a resolver's arguments: `id` or `order_id`, and the `order_id` of listed inputs."""
    found = [kwargs[name] for name in ("id", "order_id") if isinstance(kwargs.get(name), str)]
    for value in kwargs.values():
        if isinstance(value, list):
            found.extend(item.order_id for item in value if isinstance(getattr(item, "order_id", None), str))
    return found


def _payload_order_ids(payload: Any) -> list[str]:
    orders = [getattr(payload, "order", None)]
    orders += [result.order for result in getattr(payload, "results", ())]
    return [order.id for order in orders if order is not None]


def _outcome(payload: Any) -> str:
    errors = getattr(payload, "user_errors", None)
    return str(errors[0].code.value) if errors else OK


class AuditedMutation(FieldExtension):
    """Records each call of the mutation field it is attached to."""

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        named = _resolver_order_ids(kwargs)
        try:
            payload = await next_(source, info, **kwargs)
        except Exception:
            _record(info, named, ERROR)
            raise
        _record(info, named + _payload_order_ids(payload), _outcome(payload))
        return payload


def _record(info: Info, order_ids: list[str], outcome: str) -> None:
    context = info.context
    if context.principal is not None:
        context.audit.record(context.principal, context.request_id, info.field_name, order_ids, outcome)


def record_refused(context: Context, fields: list[FieldNode], variables: dict[str, Any] | None) -> None:
    """Records each root field of a mutation operation refused before execution as FORBIDDEN."""
    if context.principal is None:
        return
    for field in (f for f in fields if not f.name.value.startswith("__")):
        arguments = {a.name.value: value_from_ast_untyped(a.value, variables) for a in field.arguments or ()}
        ids = _sent_order_ids(arguments)
        context.audit.record(context.principal, context.request_id, field.name.value, ids, FORBIDDEN)
