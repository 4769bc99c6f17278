"""API keys without I/O: tokens, hashing, client names, the key service over a fake store, and the gate."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from app.access import Access, Gate, OpenModeRefused, is_loopback, start_gate, watch_revocations
from app.domain.access import (
    ALL_SCOPES,
    ApiKey,
    Principal,
    Scope,
    hash_secret,
    issue_key,
    parse_token,
    secret_matches,
    valid_client_name,
)
from app.domain.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from collections.abc import Collection

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FakeKeyStore:
    """The KeyStore port in memory."""

    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        self.keys[key.id] = key

    async def get(self, key_id: str) -> ApiKey | None:
        return self.keys.get(key_id)

    async def all(self) -> list[ApiKey]:
        return list(self.keys.values())

    async def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        key = self.keys.get(key_id)
        if key is not None and key.revoked_at is None:
            key = self.keys[key_id] = replace(key, revoked_at=at)
        return key

    async def revoked(self, key_ids: Collection[str]) -> set[str]:
        return {i for i in key_ids if i in self.keys and self.keys[i].revoked_at is not None}

    async def any_active(self) -> bool:
        return any(k.revoked_at is None for k in self.keys.values())


def test_a_token_carries_the_key_id_and_a_secret_that_only_its_hash_matches() -> None:
    key, token = issue_key("shop", [Scope.ORDERS_READ], NOW)
    parsed = parse_token(token)
    assert parsed is not None
    key_id, secret = parsed
    assert key_id == key.id and token == f"og_{key.id}_{secret}"
    assert len(secret) >= 43  # 32 random bytes, url-safe base64
    assert key.secret_hash == hash_secret(secret) and secret not in key.secret_hash
    assert secret_matches(secret, key.secret_hash)
    assert not secret_matches(secret + "x", key.secret_hash)
    assert (key.name, key.scopes, key.created_at, key.revoked_at) == ("shop", {Scope.ORDERS_READ}, NOW, None)


def test_every_key_is_new() -> None:
    issued = [issue_key("shop", [Scope.ADMIN], NOW) for _ in range(50)]
    assert len({key.id for key, _ in issued}) == 50
    assert len({token for _, token in issued}) == 50


@pytest.mark.parametrize(
    "token",
    [
        "",
        "og",
        "og_",
        "og_0123456789abcdef",
        "og_0123456789abcdef_",
        "xx_0123456789abcdef_s",
        "og_0123456789ABCDEF_s",
        "og_0123_s",
        "Bearer og_0123456789abcdef_s",
    ],
)
def test_tokens_that_cannot_be_ours_do_not_parse(token: str) -> None:
    assert parse_token(token) is None


def test_a_secret_may_contain_underscores() -> None:
    assert parse_token("og_0123456789abcdef_a_b-c") == ("0123456789abcdef", "a_b-c")


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("shop frontend", True),
        ("ops@example.com", True),
        ("svc:billing/v2", True),
        ("x" * 100, True),
        ("", False),
        ("x" * 101, False),
        ("two\nlines", False),
        ("semi;colon", False),
        ("<script>", False),
    ],
)
def test_client_names(name: str, valid: bool) -> None:
    assert valid_client_name(name) is valid


def test_a_key_needs_a_valid_name_and_a_scope() -> None:
    with pytest.raises(DomainError) as bad_name:
        issue_key("bad\nname", [Scope.ADMIN], NOW)
    assert (bad_name.value.code, bad_name.value.field) == (ErrorCode.INVALID, ("name",))
    with pytest.raises(DomainError) as no_scope:
        issue_key("shop", [], NOW)
    assert no_scope.value.field == ("scopes",)


async def test_authenticate_accepts_only_an_active_key_with_its_own_secret() -> None:
    store = FakeKeyStore()
    access = Access(store, lambda: NOW)
    key, token = await access.create_key("shop", [Scope.ORDERS_READ, Scope.EVENTS_READ])
    assert store.keys[key.id].secret_hash == key.secret_hash
    principal = await access.authenticate(token)
    assert principal == Principal("shop", frozenset({Scope.ORDERS_READ, Scope.EVENTS_READ}), key.id)
    _, other_token = await access.create_key("other", [Scope.ADMIN])
    forged = f"og_{key.id}_{other_token.split('_', 2)[2]}"  # a real secret, but another key's
    assert await access.authenticate(forged) is None
    assert await access.authenticate(token[:-1]) is None
    assert await access.authenticate(f"og_{'0' * 16}_{token.split('_', 2)[2]}") is None
    assert await access.authenticate("not a token") is None
    await access.revoke_key(key.id)
    assert await access.authenticate(token) is None
    assert (await access.authenticate(other_token)) is not None


async def test_revoking_keeps_the_first_time_and_unknown_ids_are_not_found() -> None:
    times = iter([NOW, NOW.replace(hour=13), NOW.replace(hour=14), NOW.replace(hour=15)])
    access = Access(FakeKeyStore(), lambda: next(times))
    key, _ = await access.create_key("shop", [Scope.ADMIN])
    first = await access.revoke_key(key.id)
    again = await access.revoke_key(key.id)
    assert first.revoked_at == again.revoked_at == NOW.replace(hour=13)
    with pytest.raises(DomainError) as unknown:
        await access.revoke_key("0" * 16)
    assert unknown.value.code is ErrorCode.NOT_FOUND
    assert [k.id for k in await access.keys()] == [key.id]


async def test_the_gate_in_open_local_mode() -> None:
    access = Access(FakeKeyStore(), lambda: NOW)
    gate = Gate(access, open=True, introspection=True)
    assert await gate.admit(None) == Principal("system", ALL_SCOPES)
    assert await gate.admit("", "support-desk") == Principal("support-desk", ALL_SCOPES)
    assert await gate.admit("Bearer og_0123456789abcdef_nope") is None  # a token that is sent must be valid
    key, token = await access.create_key("reader", [Scope.ORDERS_READ])
    assert await gate.admit(f"Bearer {token}", "spoofed") == key.principal


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_the_gate_with_keys_needs_a_bearer_token(scheme: str) -> None:
    access = Access(FakeKeyStore(), lambda: NOW)
    key, token = await access.create_key("shop", [Scope.ORDERS_READ])
    gate = Gate(access, open=False, introspection=False)
    assert await gate.admit(f"{scheme} {token}") == key.principal
    assert await gate.admit(f"  {scheme}   {token}  ") == key.principal
    for refused in (None, "", scheme, f"Basic {token}", token, f"{scheme} {token}x"):
        assert await gate.admit(refused, "support-desk") is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.4", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


async def test_start_refuses_open_mode_off_loopback_and_defaults_introspection_to_the_mode(caplog) -> None:  # type: ignore[no-untyped-def]
    store = FakeKeyStore()
    access = Access(store, lambda: NOW)
    with caplog.at_level(logging.INFO):
        gate = await start_gate(access, "127.0.0.1", None)
    assert (gate.open, gate.introspection) == (True, True)
    assert "open local mode on 127.0.0.1" in caplog.text
    with pytest.raises(OpenModeRefused, match=r"not on 0\.0\.0\.0"):
        await start_gate(access, "0.0.0.0", None)
    assert (await start_gate(access, "127.0.0.1", False)).introspection is False

    key, _ = await access.create_key("shop", [Scope.ADMIN])
    gate = await start_gate(access, "0.0.0.0", None)
    assert (gate.open, gate.introspection) == (False, False)
    assert (await start_gate(access, "0.0.0.0", True)).introspection is True

    await access.revoke_key(key.id)  # only active keys count
    with pytest.raises(OpenModeRefused):
        await start_gate(access, "0.0.0.0", None)


async def test_start_fails_closed_when_the_keys_cannot_be_read() -> None:
    store = FakeKeyStore()

    async def broken() -> bool:
        raise OSError("database unavailable")

    store.any_active = broken  # type: ignore[method-assign]
    gate = await start_gate(Access(store, lambda: NOW), "0.0.0.0", None)
    assert (gate.open, gate.introspection) == (False, False)


async def test_the_revocation_watch_asks_once_per_interval_for_the_keys_in_use_and_survives_failures(
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    store = FakeKeyStore()
    access = Access(store, lambda: NOW)
    kept, _ = await access.create_key("kept", [Scope.EVENTS_READ])
    gone, _ = await access.create_key("gone", [Scope.EVENTS_READ])
    await access.revoke_key(gone.id)
    asked: list[set[str]] = []
    closed: asyncio.Queue[set[str]] = asyncio.Queue()
    real_revoked = store.revoked

    async def revoked(key_ids: Collection[str]) -> set[str]:
        asked.append(set(key_ids))
        if len(asked) == 1:
            raise OSError("database unavailable")
        return await real_revoked(key_ids)

    store.revoked = revoked  # type: ignore[method-assign]
    in_use = {kept.id, gone.id}
    task = asyncio.create_task(watch_revocations(access, 0.01, lambda: set(in_use), closed.put))
    try:
        assert await asyncio.wait_for(closed.get(), 5) == {gone.id}
        in_use.clear()  # nothing open: nothing is asked
        await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert asked[:2] == [{kept.id, gone.id}, {kept.id, gone.id}] and len(asked) <= 3
    assert "could not check the API keys in use for revocation" in caplog.text
