"""What one HTTP request has already read from Wix, so nested fields of a page cost no extra calls.

The DataLoaders ask for line items, history, payments and fulfillments separately, while Wix returns line
items and activities inside the order, and line items' fulfilled units need the fulfillments. Within one
request (the `RequestRecord` the server opens), each Wix document is fetched once: concurrent askers share
the call in flight. Nothing outlives the request, so no answer is stale across requests. A WebSocket is one
long request: subscriptions read without the cache (each event shows the order as it is now), and a scope
is dropped after SCOPE_S seconds whatever the request.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from app.request_scope import current

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from app.request_scope import RequestRecord

Json = dict[str, Any]
REQUESTS_KEPT = 64
SCOPE_S = 5.0


class _Scope:
    def __init__(self, record: RequestRecord) -> None:
        self.record = record
        self.until = time.monotonic() + SCOPE_S
        self.kinds: dict[str, dict[str, asyncio.Future[Any]]] = {}


class RequestCache:
    """Documents by (kind, Wix id), per request; outside a request every read goes upstream."""

    def __init__(self) -> None:
        self._scopes: OrderedDict[int, _Scope] = OrderedDict()

    def _scope(self) -> _Scope | None:
        record = current()
        if record is None or record.operation_type == "subscription":
            return None
        scope = self._scopes.get(id(record))
        if scope is None or scope.record is not record or scope.until < time.monotonic():
            scope = _Scope(record)
            self._scopes[id(record)] = scope
            while len(self._scopes) > REQUESTS_KEPT:
                self._scopes.popitem(last=False)
        return scope

    def put(self, kind: str, docs: dict[str, Any]) -> None:
        """Remembers documents just read or written (a write's answer replaces what was read)."""
        scope = self._scope()
        if scope is None:
            return
        futures = scope.kinds.setdefault(kind, {})
        loop = asyncio.get_running_loop()
        for key, doc in docs.items():
            future: asyncio.Future[Any] = loop.create_future()
            future.set_result(doc)
            futures[key] = future

    def forget(self, kind: str, key: str) -> None:
        scope = self._scope()
        if scope is not None:
            scope.kinds.get(kind, {}).pop(key, None)

    async def get(
        self, kind: str, keys: Sequence[str], fetch: Callable[[list[str]], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """The documents of `keys` (absent where Wix has none), fetching only those not yet asked for."""
        scope = self._scope()
        if scope is None:
            return await fetch(list(dict.fromkeys(keys)))
        futures = scope.kinds.setdefault(kind, {})
        missing = [k for k in dict.fromkeys(keys) if k not in futures]
        if missing:
            loop = asyncio.get_running_loop()
            mine = {k: loop.create_future() for k in missing}
            futures.update(mine)
            try:
                found = await fetch(missing)
            except BaseException as err:
                for k, future in mine.items():
                    futures.pop(k, None)
                    future.set_exception(err)
                    future.exception()  # retrieved here: the askers that share it re-raise it themselves
                raise
            for k, future in mine.items():
                future.set_result(found.get(k))
        out: dict[str, Any] = {}
        for k in dict.fromkeys(keys):
            doc = await futures[k] if k in futures else None
            if doc is not None:
                out[k] = doc
        return out
