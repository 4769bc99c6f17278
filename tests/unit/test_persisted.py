"""The persisted-query store without HTTP: registration, lookup, and its bound."""

from __future__ import annotations

import hashlib

import pytest

from schema.persisted import MAX_QUERY_CHARS, PersistedQueries, PersistedQueryError


def ext(query: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}


def test_requests_without_a_persisted_query_pass_through() -> None:
    store = PersistedQueries(2)
    assert store.resolve("{ a }", None) == "{ a }"
    assert store.resolve("{ a }", {"other": 1}) == "{ a }"


def test_the_least_recently_used_query_is_forgotten_past_the_bound() -> None:
    store = PersistedQueries(2)
    for query in ("{ a }", "{ b }"):
        store.resolve(query, ext(query))
    assert store.resolve(None, ext("{ a }")) == "{ a }"  # a is now the most recently used
    store.resolve("{ c }", ext("{ c }"))
    assert store.resolve(None, ext("{ a }")) == "{ a }"
    with pytest.raises(PersistedQueryError, match="PersistedQueryNotFound"):
        store.resolve(None, ext("{ b }"))


def test_an_uppercase_hash_is_the_same_hash() -> None:
    store = PersistedQueries(2)
    store.resolve("{ a }", ext("{ a }"))
    upper = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(b"{ a }").hexdigest().upper()}}
    assert store.resolve(None, upper) == "{ a }"


def test_a_very_long_query_runs_but_is_not_kept() -> None:
    store = PersistedQueries(2)
    query = "{ a }" + " " * MAX_QUERY_CHARS
    assert store.resolve(query, ext(query)) == query
    with pytest.raises(PersistedQueryError) as refused:
        store.resolve(None, ext(query))
    assert (refused.value.status, refused.value.code) == (200, "PERSISTED_QUERY_NOT_FOUND")
