"""Random GraphQL documents and variables thrown at the real server: never a 500, never a traceback or a
source path in the body, always a JSON body; and the server keeps serving afterwards."""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLInputObjectType, GraphQLObjectType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema import build_schema
from tests.conftest import REPO, Gateway

SERVED = build_schema()._schema
FIELDS = sorted(
    {
        name
        for type_ in SERVED.type_map.values()
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__")
        for name in type_.fields
    }
)
ARGUMENTS = sorted(
    {
        argument
        for type_ in SERVED.type_map.values()
        if isinstance(type_, GraphQLObjectType)
        for field in type_.fields.values()
        for argument in field.args
    }
    | {
        name
        for type_ in SERVED.type_map.values()
        if isinstance(type_, GraphQLInputObjectType)
        for name in type_.fields
    }
)
LEAKS = ("Traceback", str(REPO), 'File "', '.py"', "site-packages")

names = st.sampled_from(FIELDS) | st.from_regex(r"\A[_A-Za-z][_0-9A-Za-z]{0,8}\Z")
strings = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
scalars = (
    st.integers(min_value=-(2**70), max_value=2**70).map(str)
    | st.floats(allow_nan=False).map(repr)
    | strings.map(json.dumps)
    | st.sampled_from(["true", "false", "null", "ASC", "CREATED_AT", "$v", "$first", "$ids", "\x00", "1e999"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]")
        | st.dictionaries(st.sampled_from(ARGUMENTS), inner, max_size=3).map(
            lambda fields: "{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}"
        )
    ),
    max_leaves=8,
)
arguments = st.dictionaries(st.sampled_from(ARGUMENTS), values, max_size=3).map(
    lambda args: "(" + ", ".join(f"{k}: {v}" for k, v in args.items()) + ")" if args else ""
)


def _field(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.none() | names, names, arguments, st.none() | children).map(
        lambda t: (f"{t[0]}: " if t[0] else "") + t[1] + t[2] + (f" {{ {t[3]} }}" if t[3] else "")
    )


selections = st.recursive(
    _field(st.nothing()),
    lambda inner: st.lists(_field(inner) | st.just("...F") | inner, min_size=1, max_size=4).map(" ".join),
    max_leaves=30,
)
documents = st.tuples(
    st.sampled_from(["", "query", "mutation", "subscription", "query Q($v: Int, $ids: [ID!])", "{"]),
    selections,
    st.sampled_from(["", " fragment F on Order { id ...F }", " fragment F on Query { __typename }"]),
).map(lambda t: f"{t[0]} {{ {t[1]} }}{t[2]}")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12,
)
variables = st.none() | st.dictionaries(
    st.sampled_from(["v", "first", "ids", *ARGUMENTS]), json_values, max_size=4
)
bodies = st.fixed_dictionaries(
    {"query": documents | st.text(max_size=200) | json_values},
    optional={
        "variables": variables | json_values,
        "operationName": st.none() | strings,
        "extensions": st.none()
        | json_values
        | st.just({"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}),
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
async def test_random_requests_never_break_the_server(gateway: Gateway, body: dict[str, Any]) -> None:
    raw = json.dumps(body, allow_nan=True).encode()
    async with gateway.http.post(
        f"{gateway.url}/graphql", data=raw, headers={"Content-Type": "application/json"}
    ) as response:
        text = await response.text()
        assert response.status < 500, text
    parsed = json.loads(text)
    assert isinstance(parsed, dict) and (parsed.get("errors") or "data" in parsed), text
    assert not any(leak in text for leak in LEAKS), text


@settings(max_examples=50, deadline=None)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
async def test_random_bytes_get_a_json_error(gateway: Gateway, raw: bytes) -> None:
    async with gateway.http.post(
        f"{gateway.url}/graphql", data=raw, headers={"Content-Type": "application/json"}
    ) as response:
        text = await response.text()
        assert response.status < 500, text
    assert isinstance(json.loads(text), dict)
    assert not any(leak in text for leak in LEAKS), text


async def test_a_json_body_that_is_not_an_object_is_a_bad_request(gateway: Gateway) -> None:
    for raw in (b"0", b'"{ __typename }"', b"null", b"true"):
        async with gateway.http.post(
            f"{gateway.url}/graphql", data=raw, headers={"Content-Type": "application/json"}
        ) as response:
            assert response.status == 400
            assert (await response.json())["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_the_server_keeps_serving_after_the_fuzzing(gateway: Gateway) -> None:
    assert await gateway.query("{ __typename orders(first: 1) { totalCount } }") == {
        "__typename": "Query",
        "orders": {"totalCount": 0},
    }
