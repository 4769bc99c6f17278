"""The contract checker catches every breaking change and lets every safe addition through."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.sdl_diff import contract_differences

CONTRACT_PATH = Path(__file__).parents[3] / "shared/contract/schema.graphql"

BASE = """
type Query { item(id: ID!, first: Int = 50): Item }
type Item { id: ID! name: String }
"""


def test_real_contract_matches_itself() -> None:
    contract = CONTRACT_PATH.read_text()
    assert contract_differences(contract, contract) == []


def test_real_contract_change_is_caught() -> None:
    contract = CONTRACT_PATH.read_text()
    served = contract.replace("first: Int = 50", "first: Int = 100")
    assert contract_differences(contract, served) == ["Query.orders(first:): default changed from 50 to 100"]


def test_missing_type() -> None:
    assert contract_differences(BASE + "type Extra { a: Int }", BASE) == ["Extra: type missing"]


@pytest.mark.parametrize(
    ("contract", "served", "change"),
    [
        ("type Foo { a: Int }", "input Foo { a: Int }", "object to input"),
        ("input Foo { a: Int }", "type Foo { a: Int }", "input to object"),
        ("enum Foo { A }", "scalar Foo", "enum to scalar"),
        ("scalar Foo", "enum Foo { A }", "scalar to enum"),
        ("interface Foo { id: ID! }", "type Foo { id: ID! }", "interface to object"),
        ("union Foo = Item", "interface Foo { id: ID! }", "union to interface"),
    ],
)
def test_type_kind_changed(contract: str, served: str, change: str) -> None:
    assert contract_differences(BASE + contract, BASE + served) == [f"Foo: kind changed from {change}"]


@pytest.mark.parametrize("keyword", ["type", "interface"])
def test_missing_field(keyword: str) -> None:
    contract = BASE + f"{keyword} Foo {{ a: Int b: String }}"
    served = BASE + f"{keyword} Foo {{ a: Int }}"
    assert contract_differences(contract, served) == ["Foo.b: field missing"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("String", "String!"),
        ("String!", "String"),
        ("String", "Int"),
        ("[String!]!", "[String]!"),
        ("[String!]!", "[String!]"),
        ("[String]", "String"),
        ("[[Int]]", "[Int]"),
    ],
)
@pytest.mark.parametrize("keyword", ["type", "interface"])
def test_field_type_changed(keyword: str, before: str, after: str) -> None:
    contract = BASE + f"{keyword} Foo {{ a: {before} }}"
    served = BASE + f"{keyword} Foo {{ a: {after} }}"
    assert contract_differences(contract, served) == [f"Foo.a: type changed from {before} to {after}"]


def test_missing_argument() -> None:
    served = BASE.replace("item(id: ID!, first: Int = 50)", "item(id: ID!)")
    assert contract_differences(BASE, served) == ["Query.item(first:): argument missing"]


def test_missing_argument_on_interface_field() -> None:
    contract = BASE + "interface Foo { a(x: Int): Int }"
    served = BASE + "interface Foo { a: Int }"
    assert contract_differences(contract, served) == ["Foo.a(x:): argument missing"]


@pytest.mark.parametrize(
    ("before", "after"),
    [("ID!", "ID"), ("ID!", "String!"), ("ID!", "[ID!]!")],
)
def test_argument_type_changed(before: str, after: str) -> None:
    served = BASE.replace(f"id: {before}", f"id: {after}", 1)
    assert contract_differences(BASE, served) == [f"Query.item(id:): type changed from {before} to {after}"]


@pytest.mark.parametrize(
    ("arg_type", "before", "after"),
    [
        ("String", '"local"', '"wix"'),
        ("Int", "50", "100"),
        ("Int", "50", None),
        ("Int", None, "50"),
        ("Int", "null", None),
        ("[Int]", "[1, 2]", "[2, 1]"),
        ("Dir", "DESC", "ASC"),
    ],
)
def test_argument_default_changed(arg_type: str, before: str | None, after: str | None) -> None:
    def sdl(default: str | None) -> str:
        suffix = "" if default is None else f" = {default}"
        return f"type Query {{ list(x: {arg_type}{suffix}): Int }} enum Dir {{ ASC DESC }}"

    assert contract_differences(sdl(before), sdl(after)) == [
        f"Query.list(x:): default changed from {before or '(none)'} to {after or '(none)'}"
    ]


def test_extra_required_argument() -> None:
    served = BASE.replace("first: Int = 50", "first: Int = 50, shop: String!")
    assert contract_differences(BASE, served) == ["Query.item(shop:): new argument is required (String!)"]


def test_missing_implemented_interface() -> None:
    contract = BASE + "interface Node { id: ID! } type Foo implements Node { id: ID! }"
    served = BASE + "interface Node { id: ID! } type Foo { id: ID! }"
    assert contract_differences(contract, served) == ["Foo: no longer implements Node"]


INPUT = 'input Filter { source: String = "local" ids: [ID!] limit: Int! }'


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("ids: [ID!] ", "", "Filter.ids: input field missing"),
        ("ids: [ID!]", "ids: [ID!]!", "Filter.ids: type changed from [ID!] to [ID!]!"),
        ("limit: Int!", "limit: Int", "Filter.limit: type changed from Int! to Int"),
        ('"local"', '"wix"', 'Filter.source: default changed from "local" to "wix"'),
        (' = "local"', "", 'Filter.source: default changed from "local" to (none)'),
        ("limit: Int!", "limit: Int! shop: ID!", "Filter.shop: new input field is required (ID!)"),
    ],
)
def test_input_type_violations(old: str, new: str, problem: str) -> None:
    assert contract_differences(BASE + INPUT, BASE + INPUT.replace(old, new)) == [problem]


def test_missing_enum_value() -> None:
    contract = BASE + "enum Status { OPEN CLOSED }"
    served = BASE + "enum Status { OPEN }"
    assert contract_differences(contract, served) == ["Status.CLOSED: enum value missing"]


def test_missing_union_member() -> None:
    contract = BASE + "type Other { a: Int } union Result = Item | Other"
    served = BASE + "type Other { a: Int } union Result = Item"
    assert contract_differences(contract, served) == ["Result: union member Other missing"]


@pytest.mark.parametrize(
    ("contract", "served", "problem"),
    [
        (
            "type Query { a: Int } type Root { a: Int }",
            "schema { query: Root } type Query { a: Int } type Root { a: Int }",
            "schema: query root type changed from Query to Root",
        ),
        (
            "type Query { a: Int } type Mutation { a: Int }",
            "schema { query: Query } type Query { a: Int } type Mutation { a: Int }",
            "schema: mutation root type changed from Mutation to (none)",
        ),
        (
            "type Query { a: Int } type Subscription { a: Int } type Live { a: Int }",
            "schema { query: Query subscription: Live } type Query { a: Int } "
            "type Subscription { a: Int } type Live { a: Int }",
            "schema: subscription root type changed from Subscription to Live",
        ),
    ],
)
def test_root_operation_type_changed(contract: str, served: str, problem: str) -> None:
    assert contract_differences(contract, served) == [problem]


EXTRAS = """
enum Status { OPEN CLOSED }
input Filter { ids: [ID!] limit: Int! }
type Other { a: Int }
union Result = Item | Other
"""


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("", "type New { a: Int }", id="new type"),
        pytest.param("", "type Mutation { a: Int }", id="new root type"),
        pytest.param("name: String", "name: String tags: [String!]!", id="new field"),
        pytest.param("first: Int = 50", "first: Int = 50, after: String", id="new optional argument"),
        pytest.param("first: Int = 50", "first: Int = 50, shop: ID! = 1", id="new argument with default"),
        pytest.param("CLOSED", "CLOSED ARCHIVED", id="new enum value"),
        pytest.param("limit: Int!", "limit: Int! query: String", id="new optional input field"),
        pytest.param("limit: Int!", "limit: Int! size: Int! = 10", id="new input field with default"),
        pytest.param("= Item | Other", "= Item | Other | New type New { a: Int }", id="new union member"),
        pytest.param(
            "type Other", "interface Node { a: Int } type Other implements Node", id="new interface"
        ),
    ],
)
def test_allowed_additions(old: str, new: str) -> None:
    contract = BASE + EXTRAS
    served = contract.replace(old, new, 1) if old else contract + new
    assert contract_differences(contract, served) == []


def test_ignores_descriptions_and_directives() -> None:
    served = """
    "The root." type Query { "One item." item(id: ID!, first: Int = 50 @deprecated): Item @deprecated }
    type Item { id: ID! "Its name." name: String @deprecated(reason: "gone") }
    """
    assert contract_differences(BASE, served) == []
