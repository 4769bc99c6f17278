"""Automatic persisted queries (the Apollo APQ protocol), over POST and GET.

A client sends `extensions.persistedQuery {version: 1, sha256Hash}` with no query: the gateway runs the
query it learned under that hash, or answers `PersistedQueryNotFound` (`PERSISTED_QUERY_NOT_FOUND`), and
the client sends the hash again with the full query, which registers it (when the hash matches the text).
Queries are kept in a bounded in-process LRU: each gateway process learns them on its own, and a client
whose hash one process forgot simply registers it again.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

MAX_QUERY_CHARS = 64 * 1024
"""Longer queries run but are not kept (so the cache holds at most maxsize x 64 KiB of text)."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryError(Exception):
    """A persisted-query request that cannot run: the HTTP status, a message and the error code."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


class PersistedQueries:
    """The queries registered by hash, the least recently used forgotten past `maxsize`."""

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._queries: OrderedDict[str, str] = OrderedDict()

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The query to run for a request's `query` and `extensions`; registers a query sent with its hash.

        Raises `PersistedQueryError` for an unknown hash (sent without a query), a hash that does not
        match the query, or a malformed `persistedQuery`.
        """
        persisted = extensions.get("persistedQuery") if extensions else None
        if persisted is None:
            return query
        digest = _requested_hash(persisted)
        if query is None:
            found = self._queries.get(digest)
            if found is None:
                raise PersistedQueryError(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            self._queries.move_to_end(digest)
            return found
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise PersistedQueryError(400, "provided sha does not match query", "BAD_REQUEST")
        if len(query) <= MAX_QUERY_CHARS:
            self._queries[digest] = query
            self._queries.move_to_end(digest)
            if len(self._queries) > self._maxsize:
                self._queries.popitem(last=False)
        return query


def _requested_hash(persisted: object) -> str:
    if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
        raise PersistedQueryError(400, "unsupported persisted query version (only 1 is)", "BAD_REQUEST")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest.lower()):
        raise PersistedQueryError(400, "sha256Hash must be 64 hexadecimal digits", "BAD_REQUEST")
    return digest.lower()
