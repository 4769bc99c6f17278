"""Who may call the gateway: API keys (create, list, revoke), the check of a token, and the server's mode.

`Access.authenticate(token)` is the one check every transport uses (the HTTP `Authorization: Bearer`
header, the WebSocket `connection_init` payload). It reads the key on every call, one primary-key lookup
and no cache, so a key revoked by another process (the CLI) fails on the very next request.
`watch_revocations` does the same for connections that stay open: one query per interval for all the keys
they hold.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.domain.access import ALL_SCOPES, ApiKey, Principal, Scope, issue_key, parse_token, secret_matches
from app.domain.errors import NotFound

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection, Iterable
    from datetime import datetime

log = logging.getLogger("orders_gateway.access")


class KeyStore(Protocol):
    """Where keys are kept (by id, with the hash of their secret)."""

    async def add(self, key: ApiKey) -> None: ...
    async def get(self, key_id: str) -> ApiKey | None: ...
    async def all(self) -> list[ApiKey]: ...
    async def revoke(self, key_id: str, at: datetime) -> ApiKey | None: ...
    async def revoked(self, key_ids: Collection[str]) -> set[str]: ...
    async def any_active(self) -> bool: ...


class OpenModeRefused(Exception):
    """The server would run without keys on an address other than loopback."""


class Access:
    """The key use cases: create (returns the token once), list, revoke, and authenticate a token."""

    def __init__(self, store: KeyStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    async def create_key(self, name: str, scopes: Iterable[Scope]) -> tuple[ApiKey, str]:
        """Stores a new key for client `name`; the token returned here is never available again."""
        key, token = issue_key(name, scopes, self._clock())
        await self._store.add(key)
        log.info("created API key %s for %s (%s)", key.id, key.name, " ".join(sorted(key.scopes)))
        return key, token

    async def keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        return await self._store.all()

    async def revoke_key(self, key_id: str) -> ApiKey:
        """Revokes a key for good (revoking it again keeps the first time); NOT_FOUND for an unknown id."""
        key = await self._store.revoke(key_id, self._clock())
        if key is None:
            raise NotFound(f"no API key has the id {key_id[:40]!r}", ("id",))
        log.info("revoked API key %s (%s)", key.id, key.name)
        return key

    async def revoked(self, key_ids: Collection[str]) -> set[str]:
        """Those of `key_ids` that are revoked (one query whatever their number)."""
        return await self._store.revoked(key_ids) if key_ids else set()

    async def keys_configured(self) -> bool:
        """True when at least one key is active."""
        return await self._store.any_active()

    async def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked key's token; None for anything else."""
        parsed = parse_token(token)
        if parsed is None:
            return None
        key_id, secret = parsed
        key = await self._store.get(key_id)
        if key is None or key.revoked_at is not None or not secret_matches(secret, key.secret_hash):
            return None
        return key.principal


@dataclass(frozen=True, slots=True)
class Gate:
    """How the running server admits requests, decided once at start.

    Open local mode (no active key at start, loopback only): a request without a token acts with every
    scope as the client it names; a token that is sent must still be valid. Otherwise every request needs
    a valid token. Keys created while the server runs open take effect for requests that send them; the
    server stays open to requests without a token until it restarts.
    """

    access: Access
    open: bool
    introspection: bool

    async def admit(self, authorization: str | None, client_name: str | None = None) -> Principal | None:
        """The principal for an `Authorization` value (`Bearer <token>`); None means refuse (401)."""
        if not authorization:
            return Principal(client_name or "system", ALL_SCOPES) if self.open else None
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        return await self.access.authenticate(token)


async def watch_revocations(
    access: Access,
    interval: float,
    in_use: Callable[[], set[str]],
    close: Callable[[set[str]], Awaitable[None]],
) -> None:
    """Until cancelled: every `interval` seconds, asks which of the keys `in_use` reports are revoked (by any
    process) and hands those to `close`. A failed check is logged and tried again at the next interval."""
    while True:
        await asyncio.sleep(interval)
        try:
            if revoked := await access.revoked(in_use()):
                await close(revoked)
        except Exception:
            log.exception("could not check the API keys in use for revocation")


async def start_gate(access: Access, host: str, public_introspection: bool | None) -> Gate:
    """The gate for a server bound to `host`; refuses (`OpenModeRefused`) open mode off loopback.

    When the store cannot be read at start the gate fails closed: keys are required.
    """
    try:
        is_open = not await access.keys_configured()
    except Exception:
        log.exception("could not read the API keys at start: keys are required until a restart")
        is_open = False
    if is_open and not is_loopback(host):
        raise OpenModeRefused(
            f"no API key is configured, so the gateway only serves on 127.0.0.1, not on {host}: create one "
            "with `orders-gateway keys create --name NAME --scope SCOPE` or set GATEWAY_HOST=127.0.0.1"
        )
    introspection = is_open if public_introspection is None else public_introspection
    if is_open:
        log.warning("no API key is configured: open local mode on %s, every request may do everything", host)
    else:
        log.info("API keys required on %s", host)
    log.info("introspection and GraphiQL are %s", "on" if introspection else "off")
    return Gate(access, is_open, introspection)


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
