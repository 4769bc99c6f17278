"""A compiled execution path for queries: the same result as graphql-core's executor, at a fraction of
its cost per field.

graphql-core resolves every field through the same generic machinery (a resolve-info object, an
awaitable check, a completion dispatch on the field's type), about 6 µs a field; a page of orders holds
tens of thousands. Here a query's selection is compiled once per document and schema into a plan: each
field knows its response key, whether it is a plain attribute (read with `getattr`, no info object), how
to coerce its value (scalar, enum, list, object) and the plan of its selection. Fields with resolvers are
called exactly as graphql-core calls them (same info, same arguments); those that return awaitables are
awaited together, once per level of the tree, so every DataLoader still batches its level.

The plan covers what this gateway's queries use: object types (no interfaces, unions or `is_type_of`),
fragments and inline fragments, `__typename`, no directives, middleware or `@defer`/`@stream`. Anything
else is executed by graphql-core as before. So is any query that meets an error: the first exception
(from a resolver, a null for a non-null field, a value that does not coerce) abandons the compiled run,
and graphql-core executes the query again from the start, so that errors, their paths and the partial
data are exactly graphql-core's. The root fields are not resolved again: graphql-core gets what their
resolvers gave (an upstream system asked twice could answer otherwise); below them, DataLoaders hold what
they loaded. The root fields run in tasks of their own (an upstream HTTP client needs one), the levels
below are stepped in the running task.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from enum import Enum
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
    OperationType,
    Undefined,
)
from graphql.execution.collect_fields import collect_fields, collect_subfields
from graphql.execution.middleware import MiddlewareManager
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

if TYPE_CHECKING:
    from graphql import FieldNode, GraphQLField, GraphQLSchema, OperationDefinitionNode, SelectionSetNode
    from graphql.execution.collect_fields import FieldDetails

PLANS_KEPT = 256
_MAX_INT, _MIN_INT = 2**31 - 1, -(2**31)


class Unsupported(Exception):
    """The operation uses something the compiled path does not cover."""


class _Abandon(Exception):
    """The compiled run met an error: graphql-core runs the query instead."""


# A completer turns a resolved value into its response value: (run, value, path) -> completed.
Completer = Callable[["_Run", Any, "Path | None"], Any]


class _Field:
    """One response key of a selection: how to resolve it and how to complete its value."""

    __slots__ = (
        "attr",
        "complete",
        "definition",
        "exact",
        "key",
        "nodes",
        "parent",
        "parent_name",
        "paths",
        "resolve",
        "typename",
    )

    def __init__(self, key: str, parent: GraphQLObjectType) -> None:
        self.key = key
        self.parent = parent
        self.parent_name = parent.name
        self.paths = False  # whether the completion below needs this field's response path
        self.attr: str | None = None  # a plain attribute: read with getattr, no resolver call
        self.exact: type | None = None  # a value of exactly this class is its own response value
        self.typename: str | None = None  # `__typename`: this constant
        self.resolve: Callable[..., Any] | None = None
        self.definition: GraphQLField | None = None
        self.nodes: list[FieldNode] = []
        self.complete: Completer = _identity


class _Plan:
    """The fields selected on one object type, in response order; `paths` says whether any field below
    needs its response path (only resolvers do)."""

    __slots__ = ("fields", "paths", "typename")

    def __init__(self, typename: str) -> None:
        self.typename = typename
        self.fields: list[_Field] = []
        self.paths = False


def _identity(run: _Run, value: Any, path: Path | None) -> Any:
    return value


class _Compiler:
    """Builds the plan of one operation (the fragments and variables come from its executor)."""

    def __init__(self, executor: StrawberryGraphQLCoreExecutionContext) -> None:
        self.executor = executor
        self.schema: GraphQLSchema = executor.schema
        self.default_resolver = executor.field_resolver

    def root(self, root_type: GraphQLObjectType, operation: OperationDefinitionNode) -> _Plan:
        fragments = [f.definition for f in self.executor.fragments.values()]
        if operation.directives or any(_has_directives(n.selection_set) for n in (operation, *fragments)):
            raise Unsupported("directives (their variables could change the plan)")
        collected = collect_fields(
            self.schema, self.executor.fragments, self.executor.variable_values, root_type, operation
        )
        return self._plan(root_type, collected)

    def _plan(self, parent: GraphQLObjectType, collected: Any) -> _Plan:
        grouped, defer_usages, forbidden = collected
        if defer_usages or forbidden:
            raise Unsupported("@defer or @stream")
        if parent.is_type_of is not None:
            raise Unsupported(f"{parent.name} has is_type_of")
        plan = _Plan(parent.name)
        for key, details in grouped.items():
            field = self._field(parent, key, details)
            if field is not None:
                plan.fields.append(field)
                plan.paths = plan.paths or field.resolve is not None or _needs_paths(field.complete)
        return plan

    def _field(self, parent: GraphQLObjectType, key: str, details: list[FieldDetails]) -> _Field | None:
        if any(d.fragment_variable_values is not None for d in details):
            raise Unsupported("fragment variables")
        node = details[0].node
        name = node.name.value
        field = _Field(key, parent)
        if name == "__typename":
            field.typename = parent.name
            return field
        if name.startswith("__"):
            raise Unsupported("introspection")
        definition = self.schema.get_field(parent, name)
        if definition is None:
            return None  # graphql-core leaves an unknown field out (validation refuses it first)
        field.definition = definition
        field.nodes = [d.node for d in details]
        resolve = definition.resolve
        strawberry_field = (definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if (
            resolve is not None
            and getattr(resolve, "_is_default", False)
            and getattr(strawberry_field, "default_resolver", None) is getattr
            and not definition.args
            and not node.arguments
        ):
            field.attr = str(getattr(strawberry_field, "python_name", name))
        else:
            field.resolve = resolve or self.default_resolver
        field.complete = self._completer(definition.type, details)
        field.paths = _needs_paths(field.complete)
        leaf = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        field.exact = _EXACT.get(leaf) if isinstance(leaf, GraphQLScalarType) else None
        return field

    def _completer(
        self, type_: GraphQLOutputType, details: list[FieldDetails], nullable: bool = True
    ) -> Completer:
        if isinstance(type_, GraphQLNonNull):
            return self._completer(type_.of_type, details, nullable=False)
        if isinstance(type_, GraphQLList):
            return _list(self._completer(type_.of_type, details), nullable)
        if isinstance(type_, GraphQLEnumType):
            return _enum(type_, nullable)
        if isinstance(type_, GraphQLScalarType):
            return _scalar(type_, nullable)
        if isinstance(type_, GraphQLObjectType):
            collected = collect_subfields(
                self.schema,
                self.executor.fragments,
                self.executor.variable_values,
                self.executor.operation,
                type_,
                details,
            )
            return _object(self._plan(type_, collected), nullable)
        raise Unsupported(f"abstract type {type_}")


def _has_directives(selection_set: SelectionSetNode | None) -> bool:
    if selection_set is None:
        return False
    return any(
        selection.directives or _has_directives(getattr(selection, "selection_set", None))
        for selection in selection_set.selections
    )


def _needs_paths(complete: Completer) -> bool:
    return bool(getattr(complete, "paths", False))


def _null(nullable: bool) -> None:
    """The completion of a null: null where the type allows it; else graphql-core reports the error."""
    if not nullable:
        raise _Abandon


def _list(inner: Completer, nullable: bool) -> Completer:
    paths = _needs_paths(inner)

    def complete(run: _Run, value: Any, path: Path | None) -> Any:
        if value is None:
            return _null(nullable)
        if not isinstance(value, (list, tuple)):
            raise _Abandon
        if paths:
            return [inner(run, item, Path(path, i, None)) for i, item in enumerate(value)]
        return [inner(run, item, None) for item in value]

    complete.paths = paths  # type: ignore[attr-defined]
    return complete


def _leaf(coerce: Callable[[Any], Any], value: Any) -> Any:
    if isinstance(value, Exception):
        raise _Abandon
    coerced = coerce(value)
    if coerced is None or coerced is Undefined:
        raise _Abandon
    return coerced


# The scalars whose coercion graphql-core leaves a value of this exact class as it is.
_EXACT: dict[GraphQLScalarType, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


def _scalar(type_: GraphQLScalarType, nullable: bool) -> Completer:
    coerce = type_.coerce_output_value
    exact = _EXACT.get(type_)  # skip the call for those

    if type_ is GraphQLInt:

        def complete_int(run: _Run, value: Any, path: Path | None) -> Any:
            if value.__class__ is int and _MIN_INT <= value <= _MAX_INT:
                return value
            return _null(nullable) if value is None else _leaf(coerce, value)

        return complete_int

    def complete(run: _Run, value: Any, path: Path | None) -> Any:
        if value.__class__ is exact:
            return value
        if value is None:
            return _null(nullable)
        if isinstance(value, Exception):
            raise _Abandon
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Abandon
        return coerced

    return complete


def _enum(type_: GraphQLEnumType, nullable: bool) -> Completer:
    coerce = type_.coerce_output_value
    members = getattr(type_, "wrapped_cls", None)  # Strawberry's enums: the Python enum they serve
    names: dict[Enum, Any] = {}

    def complete(run: _Run, value: Any, path: Path | None) -> Any:
        if value is None:
            return _null(nullable)
        if members is not None and value.__class__ is members:
            name = names.get(value)
            if name is None:
                name = names[value] = _leaf(coerce, value)
            return name
        return _leaf(coerce, value)

    return complete


def _object(plan: _Plan, nullable: bool) -> Completer:
    def complete(run: _Run, value: Any, path: Path | None) -> Any:
        if value is None:
            return _null(nullable)
        if isinstance(value, Exception):
            raise _Abandon
        return run.object(plan, value, path)

    complete.paths = plan.paths  # type: ignore[attr-defined]
    return complete


class _Run:
    """One execution of a plan: the objects completed so far and the awaitables of the current level."""

    __slots__ = ("executor", "pending", "roots")

    def __init__(self, executor: StrawberryGraphQLCoreExecutionContext) -> None:
        self.executor = executor
        self.pending: list[tuple[Awaitable[Any], dict[str, Any], _Field, Path]] = []
        self.roots: dict[str, Any] = {}  # what each root field's resolver gave (a value or an exception)

    def object(self, plan: _Plan, source: Any, path: Path | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in plan.fields:
            attr = field.attr
            if attr is not None:
                value = getattr(source, attr)
                if value.__class__ is field.exact:
                    out[field.key] = value
                    continue
                out[field.key] = field.complete(
                    self, value, Path(path, field.key, field.parent_name) if field.paths else None
                )
            elif field.typename is not None:
                out[field.key] = field.typename
            else:
                self._resolve(field, source, path, out)
        return out

    def _resolve(self, field: _Field, source: Any, path: Path | None, out: dict[str, Any]) -> None:
        executor = self.executor
        definition, parent = field.definition, field.parent
        assert definition is not None
        assert field.resolve is not None
        field_path = Path(path, field.key, field.parent_name)
        info = executor.build_resolve_info(definition, field.nodes, parent, field_path)
        node = field.nodes[0]
        args = (
            get_argument_values(definition, node, executor.variable_values)
            if definition.args or node.arguments
            else {}
        )
        try:
            result = field.resolve(source, info, **args)
        except Exception as error:
            if path is None:
                self.roots[field.key] = error
            raise
        if path is None and not executor.is_awaitable(result):
            self.roots[field.key] = result
        if executor.is_awaitable(result):
            out[field.key] = None  # keeps the response order; set once awaited
            self.pending.append((result, out, field, field_path))
        else:
            out[field.key] = field.complete(self, result, field_path)

    async def execute(self, plan: _Plan, root: Any) -> dict[str, Any]:
        """The response data; raises _Abandon on the first error."""
        try:
            data = self.object(plan, root, None)
            settle = _in_tasks  # root fields may await upstream HTTP calls, which need a task of their own
            while self.pending:
                level, self.pending = self.pending, []
                results = await settle([item[0] for item in level])
                if settle is _in_tasks:
                    roots = zip(level, results, strict=True)
                    self.roots.update((field.key, result) for (_, _, field, _), result in roots)
                settle = _settled  # below the root, resolvers wait on DataLoader futures
                for (_, out, field, field_path), result in zip(level, results, strict=True):
                    if isinstance(result, BaseException):
                        raise _Abandon from result
                    out[field.key] = field.complete(self, result, field_path)
            return data
        except Exception as error:
            self._drop_pending()
            raise _Abandon from error
        except BaseException:
            self._drop_pending()
            raise

    def _drop_pending(self) -> None:
        """Closes the resolver coroutines not yet started; a future's error is left to whoever else awaits
        it (the loaders keep their futures), and marked as seen here."""
        pending, self.pending = self.pending, []
        for awaitable, *_ in pending:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            elif isinstance(awaitable, asyncio.Future):
                awaitable.add_done_callback(_seen)


async def _in_tasks(awaitables: list[Awaitable[Any]]) -> list[Any]:
    """`gather(*awaitables, return_exceptions=True)`, a task per awaitable (the root's few fields).

    An upstream backend's HTTP client (httpx over anyio) ties its cancel scopes to the task it runs in,
    so coroutines that make such calls must not share one by being stepped together.
    """
    if len(awaitables) == 1:
        try:
            return [await awaitables[0]]
        except Exception as error:
            return [error]
    return list(await asyncio.gather(*awaitables, return_exceptions=True))


async def _settled(awaitables: list[Awaitable[Any]]) -> list[Any]:
    """What `gather(*awaitables, return_exceptions=True)` returns, without a task per coroutine.

    A level of a page holds hundreds of resolver coroutines that each wait on a DataLoader future; a task
    for each costs more than the rest of their work. They are stepped here instead, in the running task,
    every one up to its first wait before any waits (so each loader still gets the whole level in one
    batch), then resumed as the futures they wait on complete.
    """
    results: list[Any] = [None] * len(awaitables)
    stepping: list[tuple[int, Coroutine[Any, Any, Any]]] = []
    waiting: list[tuple[int, Coroutine[Any, Any, Any] | None, asyncio.Future[Any] | None]] = []
    for i, awaitable in enumerate(awaitables):
        if inspect.iscoroutine(awaitable):
            stepping.append((i, awaitable))
        else:
            waiting.append((i, None, asyncio.ensure_future(awaitable)))
    try:
        while stepping or waiting:
            for i, coroutine in stepping:
                try:
                    yielded = coroutine.send(None)
                except StopIteration as done:
                    results[i] = done.value
                except (Exception, asyncio.CancelledError) as error:
                    results[i] = error
                else:
                    if getattr(yielded, "_asyncio_future_blocking", False):  # it awaits this future
                        yielded._asyncio_future_blocking = False
                        waiting.append((i, coroutine, yielded))
                    elif yielded is None:  # a bare yield (sleep(0)): it only asks to run again later
                        waiting.append((i, coroutine, None))
                    else:
                        coroutine.close()
                        results[i] = RuntimeError(f"a resolver yielded {yielded!r}")
            stepping = []
            futures = {future for _, _, future in waiting if future is not None}
            if futures:
                await asyncio.wait(futures)
            elif waiting:
                await asyncio.sleep(0)
            for i, parked, future in waiting:
                if parked is not None:
                    stepping.append((i, parked))
                elif future is not None:
                    results[i] = _outcome(future)
            waiting = []
    finally:
        for _, coroutine in stepping:
            coroutine.close()
        for _, parked, _ in waiting:
            if parked is not None:
                parked.close()
    return results


def _outcome(future: asyncio.Future[Any]) -> Any:
    """A done future's result, or the exception it ended with."""
    if future.cancelled():
        return asyncio.CancelledError()
    return future.exception() or future.result()


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


_plans: OrderedDict[tuple[int, int], tuple[object, object, _Plan | None]] = OrderedDict()


def _cached_plan(
    executor: StrawberryGraphQLCoreExecutionContext, root_type: GraphQLObjectType
) -> _Plan | None:
    """The plan of the executor's operation, compiled on first use; None when it is not supported.

    Plans are kept by schema and operation node (a cached parse returns the same node for the same
    text). A document with directives is not compiled: their variables could change the selection.
    """
    operation = executor.operation
    key = (id(executor.schema), id(operation))
    found = _plans.get(key)
    if found is not None and found[0] is executor.schema and found[1] is operation:
        _plans.move_to_end(key)
        return found[2]
    try:
        plan: _Plan | None = _Compiler(executor).root(root_type, operation)
    except Unsupported:
        plan = None
    _plans[key] = (executor.schema, operation, plan)
    if len(_plans) > PLANS_KEPT:
        _plans.popitem(last=False)
    return plan


def _replaying(roots: dict[str, Any]) -> Callable[..., Any]:
    """A graphql-core middleware answering each root field with what its resolver gave the compiled run."""

    def middleware(resolve: Callable[..., Any], source: Any, info: Any, **args: Any) -> Any:
        if info.path.prev is None and info.path.key in roots:
            outcome = roots[info.path.key]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return resolve(source, info, **args)

    return middleware


class CompiledQueryExecution(StrawberryGraphQLCoreExecutionContext):
    """Runs a query through its compiled plan; anything else, or a query that errs, through graphql-core."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        operation = self.operation
        if (
            operation.operation is not OperationType.QUERY
            or self.abort_signal is not None
            or self.hooks is not None
            or (self.middleware_manager is not None and self.middleware_manager.middlewares)
            or self.error_propagation is False
        ):
            return super().execute_operation(serially)
        root_type = self.schema.query_type
        plan = _cached_plan(self, root_type) if root_type is not None else None
        if plan is None:
            return super().execute_operation(serially)
        return self._execute_compiled(plan, serially)

    async def _execute_compiled(self, plan: _Plan, serially: bool | None) -> Any:
        run = _Run(self)
        try:
            data = await run.execute(plan, self.root_value)
        except _Abandon:
            # Root resolvers may have called an upstream system: graphql-core gets what they gave rather
            # than calling them again (a second call could answer otherwise, and costs a round trip).
            self.middleware_manager = MiddlewareManager(_replaying(run.roots))
            result = super().execute_operation(serially)
            return await result if self.is_awaitable(result) else result
        return self.finish(self.build_response(data))
