"""Check that a served GraphQL schema still contains the public contract.

`contract_differences` compares two SDL documents and returns one line per way the served schema breaks the
contract: a type, field, argument, input field, enum value, union member or implemented interface removed; a
type kind, type reference (nullability and list wrappers included) or default value changed; a root operation
type renamed; or a new argument or input field that is required. Additions clients cannot notice (new types,
fields, enum values, optional arguments and input fields) are allowed. Descriptions and directives are
ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graphql import (
    GraphQLArgument,
    GraphQLInputField,
    GraphQLNamedType,
    build_schema,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_introspection_type,
    is_non_null_type,
    is_object_type,
    is_scalar_type,
    is_specified_scalar_type,
    is_union_type,
    print_ast,
)
from graphql.utilities import get_default_value_ast

_KINDS = (
    ("object", is_object_type),
    ("interface", is_interface_type),
    ("union", is_union_type),
    ("enum", is_enum_type),
    ("input", is_input_object_type),
    ("scalar", is_scalar_type),
)


def contract_differences(contract_sdl: str, served_sdl: str) -> list[str]:
    """Return one human-readable line per contract violation; an empty list means served contains contract."""
    contract, served = build_schema(contract_sdl), build_schema(served_sdl)
    problems: list[str] = []
    for operation in ("query", "mutation", "subscription"):
        want, have = getattr(contract, f"{operation}_type"), getattr(served, f"{operation}_type")
        if want is not None and (have is None or have.name != want.name):
            problems.append(f"schema: {operation} root type changed from {want.name} to {_name(have)}")
    for name, want_type in contract.type_map.items():
        if is_introspection_type(want_type) or is_specified_scalar_type(want_type):
            continue
        have_type = served.type_map.get(name)
        if have_type is None:
            problems.append(f"{name}: type missing")
        elif _kind(want_type) != _kind(have_type):
            problems.append(f"{name}: kind changed from {_kind(want_type)} to {_kind(have_type)}")
        else:
            problems.extend(_type_differences(want_type, have_type))
    return problems


def _type_differences(want: GraphQLNamedType, have: GraphQLNamedType) -> Iterator[str]:
    name = want.name
    if (is_object_type(want) or is_interface_type(want)) and (
        is_object_type(have) or is_interface_type(have)
    ):
        implemented = {interface.name for interface in have.interfaces}
        for interface in want.interfaces:
            if interface.name not in implemented:
                yield f"{name}: no longer implements {interface.name}"
        for field_name, field in want.fields.items():
            served_field = have.fields.get(field_name)
            if served_field is None:
                yield f"{name}.{field_name}: field missing"
                continue
            if str(field.type) != str(served_field.type):
                yield f"{name}.{field_name}: type changed from {field.type} to {served_field.type}"
            yield from _input_value_differences(
                f"{name}.{field_name}({{}}:)", "argument", field.args, served_field.args
            )
    elif is_input_object_type(want) and is_input_object_type(have):
        yield from _input_value_differences(f"{name}.{{}}", "input field", want.fields, have.fields)
    elif is_enum_type(want) and is_enum_type(have):
        for value in want.values:
            if value not in have.values:
                yield f"{name}.{value}: enum value missing"
    elif is_union_type(want) and is_union_type(have):
        members = {member.name for member in have.types}
        for member in want.types:
            if member.name not in members:
                yield f"{name}: union member {member.name} missing"


def _input_value_differences(
    coordinate: str,
    label: str,
    want: Mapping[str, GraphQLArgument] | Mapping[str, GraphQLInputField],
    have: Mapping[str, GraphQLArgument] | Mapping[str, GraphQLInputField],
) -> Iterator[str]:
    """Compare arguments or input fields; `coordinate` is a format string taking the name."""
    for name, value in want.items():
        where = coordinate.format(name)
        served = have.get(name)
        if served is None:
            yield f"{where}: {label} missing"
            continue
        if str(value.type) != str(served.type):
            yield f"{where}: type changed from {value.type} to {served.type}"
        before, after = _default(value), _default(served)
        if before != after:
            yield f"{where}: default changed from {before or '(none)'} to {after or '(none)'}"
    for name, served in have.items():
        if name not in want and is_non_null_type(served.type) and _default(served) is None:
            yield f"{coordinate.format(name)}: new {label} is required ({served.type})"


def _default(value: GraphQLArgument | GraphQLInputField) -> str | None:
    node = get_default_value_ast(value)
    return None if node is None else print_ast(node)


def _kind(type_: GraphQLNamedType) -> str:
    return next(kind for kind, check in _KINDS if check(type_))


def _name(type_: GraphQLNamedType | None) -> str:
    return "(none)" if type_ is None else type_.name
