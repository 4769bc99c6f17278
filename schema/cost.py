"""The cost model: what an operation may cost, computed from its document before anything runs.

Every object a field returns costs 1, scalars and enums cost 0, and a list multiplies the cost of its
selection by its size:

- a connection's `edges`/`nodes` by the connection's `first` (its default when not given);
- `ordersByIds` by the number of ids; a bulk mutation's `results` by its number of items;
- other lists by a typical size (`TYPICAL_SIZES`), `DEFAULT_LIST_SIZE` when not listed.

Each mutation field adds `MUTATION_COST`, a bulk mutation also one point per item. `actual` is the same
count over what was returned: the objects in the response plus the mutations' base cost. Fragments are
expanded (each once per place it is spread, memoized so nesting cannot blow up the walk); `@skip` and
`@include` are ignored, so a conditional selection is counted as selected. Introspection (`__schema`,
`__type`) is free: it reads the schema in memory, and its own setting decides who may use it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)

from schema.access import root_fields

TYPICAL_SIZES: dict[str, int] = {
    "Order.lineItems": 5,
    "Order.payments": 2,
    "Order.fulfillments": 2,
    "Order.history": 10,
    "Fulfillment.lineItems": 5,
    "PaymentsPayload.payments": 2,
    "Query.orderStatuses": 10,
    "userErrors": 1,
}
"""The size assumed for a list without a size argument, by `Type.field` (or field name for any type)."""

DEFAULT_LIST_SIZE = 10
MUTATION_COST = 10
BULK_ITEMS: dict[str, str] = {
    "bulkUpdatePaymentStatuses": "payments",
    "bulkCreateFulfillments": "input",
}
"""The list argument holding a bulk mutation's items, by mutation name."""

_PAGED_LISTS = frozenset({"edges", "nodes", "results"})
_INTROSPECTION = frozenset({"__schema", "__type"})

Variables = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Measure:
    """What the document asks for: its cost, the mutations' part of it, its aliases and root fields, and
    the response keys of its introspection fields (free)."""

    cost: int
    base: int
    aliases: int
    root_fields: int
    free: frozenset[str] = frozenset()


def count_objects(data: object, free: frozenset[str] = frozenset()) -> int:
    """The objects (JSON objects) in a result's `data`, not counting `data` itself nor its `free` keys."""
    if not isinstance(data, dict):
        return 0
    return _objects([value for key, value in data.items() if key not in free])


def _objects(values: Iterable[object]) -> int:
    # Executors build plain dicts and lists: exact class checks keep this walk cheap on large pages.
    count = 0
    for value in values:
        kind = value.__class__
        if kind is dict:
            count += 1 + _objects(value.values())  # type: ignore[attr-defined]
        elif kind is list:
            count += _objects(value)  # type: ignore[arg-type]
    return count


class CostModel:
    """Measures operations, remembering the last `maxsize` measures.

    A measure is cached by the document's text, the operation name and the variables that can change it
    (integers, and the length of lists), so a repeated query is measured once.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self._maxsize = maxsize
        self._cache: OrderedDict[tuple[object, ...], Measure] = OrderedDict()

    def measure(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Variables | None,
    ) -> Measure:
        """The measure of `operation` in `document` (whose text is `query`) with these variables."""
        variables = variables or {}
        key = (query, operation.name.value if operation.name else None, *_shape(variables))
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        measured = _Walk(schema, document, variables).operation(operation)
        self._cache[key] = measured
        if len(self._cache) > self._maxsize:
            self._cache.popitem(last=False)
        return measured


def _shape(variables: Variables) -> list[tuple[str, int]]:
    shape = []
    for name, value in variables.items():
        if isinstance(value, int) and not isinstance(value, bool):
            shape.append((name, value))
        elif isinstance(value, list):
            shape.append((name, -1 - len(value)))
    return shape


def _unwrap(type_: GraphQLType) -> tuple[GraphQLType, bool]:
    listed = False
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        listed = listed or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, listed


class _Walk:
    """One measuring pass over a document (fragment costs memoized by name and page size)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Variables) -> None:
        self._schema = schema
        self._document = document
        self._variables = variables
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[tuple[str, int | None], tuple[int, int]] = {}

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        root = self._schema.get_root_type(operation.operation)
        if root is None:
            return Measure(0, 0, 0, 0)
        defaults = {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        self._variables = {**defaults, **self._variables}
        fields = root_fields(self._document, operation)
        base = 0
        if operation.operation is OperationType.MUTATION:
            base = sum(MUTATION_COST + (self._bulk_items(field) or 0) for field in fields)
        cost, aliases = self._selections(operation.selection_set, root, None)
        free = frozenset((f.alias or f.name).value for f in fields if f.name.value in _INTROSPECTION)
        return Measure(base + cost, base, aliases, len(fields), free)

    def _selections(
        self, selection_set: SelectionSetNode, parent: GraphQLType, page: int | None
    ) -> tuple[int, int]:
        cost = aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                more, named = self._field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self._schema.get_type(condition.name.value) if condition else parent
                more, named = self._selections(selection.selection_set, inner or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                more, named = self._fragment(selection.name.value, page)
            cost += more
            aliases += named
        return cost, aliases

    def _fragment(self, name: str, page: int | None) -> tuple[int, int]:
        key = (name, page)
        if key not in self._memo:
            self._memo[key] = (0, 0)  # a cycle (refused by validation anyway) ends here
            fragment = self._fragments.get(name)
            if fragment is not None:
                inner = self._schema.get_type(fragment.type_condition.name.value)
                if inner is not None:
                    self._memo[key] = self._selections(fragment.selection_set, inner, page)
        return self._memo[key]

    def _field(self, node: FieldNode, parent: GraphQLType, page: int | None) -> tuple[int, int]:
        aliases = 1 if node.alias else 0
        definition = self._definition(parent, node.name.value)
        if definition is None or node.selection_set is None:
            return 0, aliases
        named, listed = _unwrap(definition.type)
        child_page = self._page(node, definition)
        inner, inner_aliases = self._selections(node.selection_set, named, child_page)
        size = self._size(node, parent, page) if listed else 1
        return size * (1 + inner), aliases + inner_aliases

    def _definition(self, parent: GraphQLType, name: str) -> GraphQLField | None:
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            field: GraphQLField | None = parent.fields.get(name)
            return field
        return None

    def _page(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The size of the lists directly inside this field's value: its `first`, or its bulk items."""
        if "first" in definition.args:
            given = self._argument(node, "first")
            first = given if isinstance(given, int) else definition.args["first"].default_value
            return max(0, first) if isinstance(first, int) and not isinstance(first, bool) else None
        return self._bulk_items(node)

    def _size(self, node: FieldNode, parent: GraphQLType, page: int | None) -> int:
        name = node.name.value
        ids = self._argument_length(node, "ids")
        if ids is not None:
            return ids
        if page is not None and name in _PAGED_LISTS:
            return page
        typical = TYPICAL_SIZES.get(f"{getattr(parent, 'name', '')}.{name}") or TYPICAL_SIZES.get(name)
        return typical or DEFAULT_LIST_SIZE

    def _bulk_items(self, node: FieldNode) -> int | None:
        argument = BULK_ITEMS.get(node.name.value)
        return self._argument_length(node, argument) if argument else None

    def _argument_node(self, node: FieldNode, name: str) -> ValueNode | None:
        return next((a.value for a in node.arguments or () if a.name.value == name), None)

    def _argument(self, node: FieldNode, name: str) -> int | None:
        value = self._argument_node(node, name)
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = self._variables.get(value.name.value)
            return given if isinstance(given, int) and not isinstance(given, bool) else None
        return None

    def _argument_length(self, node: FieldNode, name: str) -> int | None:
        value = self._argument_node(node, name)
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode):
            given = self._variables.get(value.name.value)
            return len(given) if isinstance(given, list) else 1
        return None if value is None else 1
