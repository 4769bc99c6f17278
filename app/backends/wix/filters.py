"""The contract's order filter and sort → a Wix Search Orders body; Wix page cursors ↔ ours.

What Wix's filter language cannot express is refused with UNSUPPORTED_BY_BACKEND naming the filter field
(`customStatusId`, `query`, several `numbers`, sorting by TOTAL). Wix pages with a cursor that encodes the
filter and sort, so a request with `after` sends only the cursor. Wix gives one cursor per page: every edge
of a page carries the cursor of the page's end.
"""

from __future__ import annotations

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from typing import TYPE_CHECKING, Any

from app.backends.wix.from_wix import key
from app.backends.wix.to_wix import iso
from app.domain.errors import Unsupported, invalid
from app.domain.listing import SortField
from app.domain.model import OrderStatus

if TYPE_CHECKING:
    from app.domain.listing import OrderFilter, OrderQuery

Json = dict[str, Any]
NOTHING = None  # a filter that no Wix order can match: the backend answers without a call
_SORT_FIELDS = {
    SortField.CREATED_AT: "createdDate",
    SortField.UPDATED_AT: "updatedDate",
    SortField.NUMBER: "number",
}
_CURSOR_PREFIX = "wix:"
END = "end"


def unsupported(field: str, why: str) -> Unsupported:
    return Unsupported(f"the wix backend cannot filter or sort by {field}: {why}", ("filter", field))


def wix_filter(f: OrderFilter) -> Json | None:
    """The Wix filter of `f`, or None when nothing can match (e.g. ids of another backend only)."""
    if f.custom_status_id is not None:
        raise unsupported("customStatusId", "Wix orders have no custom statuses")
    if f.query is not None:
        raise unsupported("query", "Wix Search Orders has no free-text search")
    out: Json = {}
    if f.ids is not None:
        wanted = [k for k in map(key, f.ids) if k is not None]
        if not wanted:
            return NOTHING
        out["id"] = {"$in": wanted}
    if f.numbers is not None:
        if len(f.numbers) > 1:
            raise unsupported("numbers", "Wix matches one order number at a time")
        if not f.numbers:
            return NOTHING
        out["number"] = {"$eq": f.numbers[0]}
    if f.external_id is not None:
        out["channelInfo.externalOrderId"] = {"$eq": f.external_id}
    for name, values in (
        ("status", f.status),
        ("paymentStatus", f.payment_status),
        ("fulfillmentStatus", f.fulfillment_status),
    ):
        if values is None:
            continue
        kept = [v.value for v in values if v is not OrderStatus.COMPLETED]  # no COMPLETED on Wix
        if not kept:
            return NOTHING
        out[name] = {"$in": kept}
    if f.buyer_email is not None:
        out["buyerInfo.email"] = {"$eq": f.buyer_email}
    created: Json = {}
    if f.created_after is not None:
        created["$gt"] = iso(f.created_after)
    if f.created_before is not None:
        created["$lt"] = iso(f.created_before)
    if created:
        out["createdDate"] = created
    if f.updated_after is not None:
        out["updatedDate"] = {"$gt": iso(f.updated_after)}
    return out


def search_body(query: OrderQuery) -> Json | None:
    """The Search Orders body of a page, or None when the page is known to be empty."""
    flt = wix_filter(query.filter)  # checked on every page, also when only the cursor is sent
    sort_field = _SORT_FIELDS.get(query.sort.field)
    if sort_field is None:
        raise Unsupported(f"the wix backend cannot sort by {query.sort.field}", ("sort", "field"))
    paging: Json = {"limit": query.first}
    if query.after is not None:
        cursor = read_cursor(query.after)
        if cursor is None:
            return None
        paging["cursor"] = cursor
        return {"search": {"cursorPaging": paging}}
    if flt is NOTHING:
        return None
    search: Json = {"sort": [{"fieldName": sort_field, "order": "DESC" if query.sort.descending else "ASC"}]}
    if flt:
        search["filter"] = flt
    search["cursorPaging"] = paging
    return {"search": search}


def make_cursor(wix_cursor: str | None) -> str:
    """Our cursor for the end of a page: Wix's next-page cursor, or a marker for the last page."""
    raw = _CURSOR_PREFIX + (wix_cursor or END)
    return urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def read_cursor(cursor: str) -> str | None:
    """The Wix cursor inside one of our cursors (None after the last page); INVALID for anything else."""
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith(_CURSOR_PREFIX) or len(raw) == len(_CURSOR_PREFIX):
        raise invalid("after is not a cursor of this list", "after")
    inner = raw[len(_CURSOR_PREFIX) :]
    return None if inner == END else inner
