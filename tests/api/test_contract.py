"""The served schema contains the whole public contract (read over HTTP by introspection)."""

from __future__ import annotations

from graphql import build_client_schema, get_introspection_query, print_schema

from tests.conftest import CONTRACT, Gateway
from tests.support.sdl_diff import contract_differences


async def test_served_schema_contains_the_contract(gateway: Gateway) -> None:
    data = await gateway.query(get_introspection_query())
    served = print_schema(build_client_schema(data))
    assert contract_differences(CONTRACT.read_text(), served) == []


async def test_served_schema_adds_the_source_choices(gateway: Gateway) -> None:
    data = await gateway.query("""{
      f: __type(name: "OrderFilter") { inputFields { name defaultValue } }
      c: __type(name: "CreateOrderInput") { inputFields { name defaultValue } }
    }""")
    for type_ in (data["f"], data["c"]):
        assert {"name": "source", "defaultValue": '"local"'} in type_["inputFields"]
