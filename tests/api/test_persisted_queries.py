"""Automatic persisted queries (Apollo APQ) over real sockets, by POST and by GET."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from tests.conftest import Gateway


def persisted(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def fresh_query() -> str:
    """A query no test has registered yet (the gateway is shared by the module)."""
    return f"query Q{uuid.uuid4().hex} {{ orders(first: 2) {{ totalCount }} }}"


async def get(gateway: Gateway, **params: Any) -> tuple[int, Any]:
    encoded = {key: json.dumps(value) if isinstance(value, dict) else value for key, value in params.items()}
    async with gateway.http.get(f"{gateway.url}/graphql", params=encoded) as response:
        return response.status, await response.json()


async def test_a_hash_miss_then_registering_then_the_hash_alone_runs_the_query(gateway: Gateway) -> None:
    query = fresh_query()
    status, body = await gateway.post({"extensions": persisted(query)})
    assert status == 200
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    status, body = await gateway.post({"query": query, "extensions": persisted(query)})
    assert (status, body["data"]) == (200, {"orders": {"totalCount": 0}})

    status, body = await gateway.post({"extensions": persisted(query)})
    assert (status, body["data"]) == (200, {"orders": {"totalCount": 0}})
    assert body["extensions"]["cost"]["requested"] == 1


async def test_the_protocol_works_over_get_too(gateway: Gateway) -> None:
    query = fresh_query()
    status, body = await get(gateway, extensions=persisted(query))
    assert (status, body["errors"][0]["extensions"]["code"]) == (200, "PERSISTED_QUERY_NOT_FOUND")
    status, body = await get(gateway, query=query, extensions=persisted(query))
    assert (status, body["data"]) == (200, {"orders": {"totalCount": 0}})
    status, body = await get(gateway, extensions=persisted(query))
    assert (status, body["data"]) == (200, {"orders": {"totalCount": 0}})


async def test_a_query_registered_by_post_runs_by_hash_over_get_with_variables(gateway: Gateway) -> None:
    query = f"query Q{uuid.uuid4().hex}($n: Int) {{ orders(first: $n) {{ totalCount }} }}"
    status, _ = await gateway.post({"query": query, "variables": {"n": 3}, "extensions": persisted(query)})
    assert status == 200
    status, body = await get(gateway, extensions=persisted(query), variables=json.dumps({"n": 40}))
    assert (status, body["data"]) == (200, {"orders": {"totalCount": 0}})
    assert body["extensions"]["cost"]["requested"] == 1


async def test_a_hash_that_does_not_match_the_query_is_refused_and_not_registered(gateway: Gateway) -> None:
    query, other = fresh_query(), fresh_query()
    status, body = await gateway.post({"query": query, "extensions": persisted(other)})
    assert status == 400
    assert body["errors"][0]["message"] == "provided sha does not match query"
    status, body = await gateway.post({"extensions": persisted(other)})
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_malformed_persisted_query_extensions_are_bad_requests(gateway: Gateway) -> None:
    digest = "a" * 64
    for bad in (
        {"version": 2, "sha256Hash": digest},
        {"version": 1, "sha256Hash": "not-a-hash"},
        {"version": 1},
        "a string",
    ):
        status, body = await gateway.post({"extensions": {"persistedQuery": bad}})
        assert status == 400, body
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
