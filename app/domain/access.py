"""API keys and scopes: what a key may do, what its token looks like, and how its secret is kept.

A token reads `og_<key id>_<secret>`. The key id is public (it appears in `keys list`, logs and the audit
log); the secret is 32 random bytes, shown once when the key is created. The store keeps only the secret's
SHA-256, which is enough for a high-entropy random secret (no slow hash is needed) and is compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from app.domain.errors import invalid

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

TOKEN_PREFIX = "og"
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")
_CLIENT_NAME = re.compile(r"^[\w .@:/-]{1,100}$")


class Scope(StrEnum):
    """What a key may do; each root field of the schema needs exactly one (none implies another)."""

    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    PAYMENTS_WRITE = "payments:write"
    FULFILLMENTS_WRITE = "fulfillments:write"
    EVENTS_READ = "events:read"
    ADMIN = "admin"


ALL_SCOPES = frozenset(Scope)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a key's client with the key's scopes, or anyone in open local mode."""

    client_name: str
    scopes: frozenset[Scope]
    key_id: str | None = None


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key: never the secret, only its hash."""

    id: str
    name: str
    scopes: frozenset[Scope]
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def principal(self) -> Principal:
        return Principal(client_name=self.name, scopes=self.scopes, key_id=self.id)


def valid_client_name(name: str) -> bool:
    """A client name fit to be a history author: 1..100 letters, digits, spaces and `._@:/-`."""
    return bool(_CLIENT_NAME.match(name))


def issue_key(name: str, scopes: Iterable[Scope], now: datetime) -> tuple[ApiKey, str]:
    """A new key for client `name` and its token (the only time the secret exists in clear)."""
    if not valid_client_name(name):
        raise invalid("a client name is 1..100 letters, digits, spaces or ._@:/-", "name")
    granted = frozenset(scopes)
    if not granted:
        raise invalid("a key needs at least one scope", "scopes")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    key = ApiKey(id=key_id, name=name, scopes=granted, secret_hash=hash_secret(secret), created_at=now)
    return key, f"{TOKEN_PREFIX}_{key_id}_{secret}"


def parse_token(token: str) -> tuple[str, str] | None:
    """The key id and secret of a token, or None when it cannot be one of ours."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not _KEY_ID.match(key_id) or not secret:
        return None
    return key_id, secret


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    """True when `secret` is the one `secret_hash` was made from (compared in constant time)."""
    return hmac.compare_digest(hash_secret(secret), secret_hash)
