"""Opaque public ids that carry the backend they belong to, so `order(id:)` routes without a lookup.

An id is the unpadded url-safe base64 of ``source:kind:native``; clients must treat it as opaque.
"""

from __future__ import annotations

import binascii
import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode
from typing import NamedTuple

from app.domain.errors import NotFound


class ParsedId(NamedTuple):
    source: str
    kind: str
    native: str


def encode(source: str, kind: str, native: str) -> str:
    """The public id of `native` (an upstream's own id, or a random one for the local store)."""
    return urlsafe_b64encode(f"{source}:{kind}:{native}".encode()).rstrip(b"=").decode()


def decode(public_id: str, kind: str | None = None, *field: str) -> ParsedId:
    """Splits a public id; raises NOT_FOUND for anything that is not one of ours (or not of `kind`)."""
    try:
        raw = urlsafe_b64decode(public_id + "=" * (-len(public_id) % 4)).decode()
        source, found_kind, native = raw.split(":", 2)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise NotFound(f"no {kind or 'object'} has the id {public_id[:100]!r}", field or None) from None
    if kind is not None and found_kind != kind:
        raise NotFound(f"no {kind} has the id {public_id[:100]!r}", field or None)
    return ParsedId(source, found_kind, native)


def source_of(public_id: str) -> str | None:
    """The backend named by an id, or None when it is not one of ours."""
    try:
        return decode(public_id).source
    except NotFound:
        return None


def new_local(kind: str) -> str:
    """A fresh random id of the local store."""
    return encode("local", kind, secrets.token_hex(10))
