"""A Wix eCommerce emulator served over real HTTP on 127.0.0.1, written from ../shared/reference.

It keeps its own orders, transactions and fulfillments, counts every call, and can be told to fail the next
matching calls (`fail`: an HTTP status with an optional Retry-After, a stall longer than the client's read
timeout, or a body that is not JSON). Order changes bump `updatedDate` and append activities as Wix does.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web

Json = dict[str, Any]
API_KEY = "test-api-key"
SITE_ID = "site-0001"
UPDATABLE = {"buyerInfo", "billingInfo", "recipientInfo", "shippingInfo", "buyerLanguage", "archived"}
STORES_APP = "215238eb-22a5-4c36-9e7b-e7c08025e04e"
LINK = {
    "fedex": "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber={n}",
    "ups": "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={n}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction.action?tLabels={n}",
    "dhl": "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id={n}",
}


@dataclass
class Fault:
    """What to do instead of answering the next call matching `method` and `path` (a substring)."""

    method: str
    path: str
    status: int = 500
    retry_after: str | None = None
    stall_s: float = 0.0
    malformed: bool = False
    times: int = 1


@dataclass
class WixEmulator:
    """State and handlers of the emulated site."""

    orders: dict[str, Json] = field(default_factory=dict)
    transactions: dict[str, Json] = field(default_factory=dict)
    fulfillments: dict[str, list[Json]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    bodies: list[tuple[str, str, Json]] = field(default_factory=list)
    created: dict[str, Json] = field(default_factory=dict)  # each order as Create Order returned it
    unknown_payments: set[str] = field(default_factory=set)  # listed, yet unknown to Bulk Update
    refusing: set[str] = field(default_factory=set)  # orders whose fulfillments Wix refuses
    next_number: int = 10001
    _tick: int = 0

    # ----------------------------------------------------------------------------------- plumbing

    def now(self) -> str:
        """Strictly increasing timestamps, so each change has its own `updatedDate`."""
        self._tick += 1
        at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(milliseconds=self._tick)
        return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def fail(self, method: str, path: str, **how: Any) -> None:
        self.faults.append(Fault(method, path, **how))

    def sent(self, method: str, path: str) -> Json:
        """The body of the last `method` call whose path ends with `path`."""
        return next(b for m, p, b in reversed(self.bodies) if m == method and p.endswith(path))

    def count(self, method: str | None = None, path: str = "") -> int:
        return sum(1 for m, p in self.calls if (method is None or m == method) and path in p)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/ecom/v1/orders/{id}", self.get_order)
        r.add_post("/ecom/v1/orders/search", self.search)
        r.add_post("/ecom/v1/orders", self.create_order)
        r.add_patch("/ecom/v1/orders/{id}", self.update_order)
        r.add_post("/ecom/v1/orders/{id}/cancel", self.cancel)
        r.add_post("/ecom/v1/orders/{id}/activities", self.add_activity)
        r.add_post("/ecom/v1/payments/list-by-ids", self.list_transactions)
        r.add_post("/ecom/v1/payments/orders/{id}/add-payment", self.add_payments)
        r.add_post(
            "/ecom/v1/payments/{pid}/orders/{id}/update-payment-transaction-status", self.payment_status
        )
        r.add_post("/ecom/v1/bulk/payments/update-payment-transaction-status", self.bulk_payment_status)
        r.add_post("/ecom/v1/fulfillments/list-by-ids", self.list_fulfillments)
        r.add_post("/ecom/v1/fulfillments/orders/{id}/create-fulfillment", self.create_fulfillment)
        r.add_post("/ecom/v1/fulfillments/orders/bulk/create-fulfillments", self.bulk_fulfillments)
        r.add_patch("/ecom/v1/fulfillments/{fid}/orders/{id}", self.update_fulfillment)
        r.add_delete("/ecom/v1/fulfillments/{fid}/orders/{id}", self.delete_fulfillment)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.calls.append((request.method, request.path))
        if request.headers.get("Authorization") != API_KEY or request.headers.get("wix-site-id") != SITE_ID:
            return _error(401, "UNAUTHENTICATED", "bad API key or site id")
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.path in request.path:
                fault.times -= 1
                if fault.stall_s:
                    await asyncio.sleep(fault.stall_s)
                if fault.malformed:
                    return web.Response(text="<html>oops", content_type="application/json")
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                return web.json_response(
                    {"message": f"injected {fault.status}"}, status=fault.status, headers=headers
                )
        if request.can_read_body:
            body = await request.json()
            self.bodies.append((request.method, request.path, body))
        return await handler(request)

    def _order(self, request: web.Request) -> Json:
        doc = self.orders.get(request.match_info["id"])
        if doc is None:
            raise web.HTTPNotFound(
                text=json.dumps({"message": "order not found"}), content_type="application/json"
            )
        return doc

    def _touch(self, doc: Json, activity: str | None = None, **extra: Any) -> None:
        doc["updatedDate"] = self.now()
        if activity:
            doc["activities"].append(
                {"id": str(uuid.uuid4()), "type": activity, "createdDate": doc["updatedDate"], **extra}
            )

    # -------------------------------------------------------------------------------------- orders

    def place(self, *, status: str = "APPROVED", quantity: int = 2, email: str = "ann@example.com") -> Json:
        """An order placed on the site itself (not through the gateway)."""
        doc = self._new_order(
            {
                "status": status,
                "currency": "USD",
                "buyerInfo": {"email": email},
                "billingInfo": {"contactDetails": {"firstName": "Ann", "lastName": "Lee"}},
                "lineItems": [
                    {
                        "productName": {"original": "Blue Mug"},
                        "quantity": quantity,
                        "price": {"amount": "10.00"},
                        "taxDetails": {"taxRate": "0.1", "totalTax": {"amount": str(quantity)}},
                        "catalogReference": {"catalogItemId": "mug-1", "appId": STORES_APP},
                    }
                ],
                "priceSummary": {
                    "subtotal": {"amount": f"{10 * quantity}.00"},
                    "tax": {"amount": f"{quantity}.00"},
                    "total": {"amount": f"{11 * quantity}.00"},
                },
                "channelInfo": {"type": "WEB"},
            }
        )
        return doc

    def _new_order(self, order: Json) -> Json:
        created = self.now()
        line_discounts: dict[str, Decimal] = {}
        for d in order.get("appliedDiscounts") or []:
            if d.get("discountType") == "SPECIFIC_ITEMS":
                for line_id in d["lineItemIds"]:
                    amount = Decimal(d["merchantDiscount"]["amount"]["amount"])
                    line_discounts[line_id] = line_discounts.get(line_id, Decimal(0)) + amount
        lines = []
        for i, item in enumerate(order["lineItems"], start=1):
            line = dict(item)
            line["id"] = item.get("id") or f"00000000-0000-0000-0000-{i:012d}"
            price, qty = Decimal(item["price"]["amount"]), int(item["quantity"])
            tax = Decimal((item.get("taxDetails") or {}).get("totalTax", {}).get("amount", "0"))
            discount = line_discounts.get(line["id"], Decimal(0))
            line["totalDiscount"] = {"amount": str(discount)}
            line["totalPriceAfterTax"] = {"amount": str(price * qty - discount + tax)}
            lines.append(line)
        doc = {
            **order,
            "id": str(uuid.uuid4()),
            "number": str(self.next_number),
            "lineItems": lines,
            "createdDate": created,
            "updatedDate": created,
            "paymentStatus": "NOT_PAID",
            "fulfillmentStatus": "NOT_FULFILLED",
            "activities": [{"id": str(uuid.uuid4()), "type": "ORDER_PLACED", "createdDate": created}],
        }
        doc.setdefault("status", "INITIALIZED")
        self.next_number += 1
        self.orders[doc["id"]] = doc
        self.created[doc["id"]] = json.loads(json.dumps(doc))
        self.transactions[doc["id"]] = {"orderId": doc["id"], "payments": [], "refunds": []}
        self.fulfillments[doc["id"]] = []
        return doc

    async def get_order(self, request: web.Request) -> web.Response:
        return web.json_response({"order": self._order(request)})

    async def create_order(self, request: web.Request) -> web.Response:
        order = (await request.json())["order"]
        if not ((order.get("billingInfo") or {}).get("contactDetails") or {}).get("firstName"):
            return _error(400, "INVALID_ARGUMENT", "order.billingInfo.contactDetails.firstName is required")
        if not order.get("lineItems") or "priceSummary" not in order or "channelInfo" not in order:
            return _error(400, "INVALID_ARGUMENT", "lineItems, priceSummary and channelInfo are required")
        return web.json_response({"order": self._new_order(order)})

    async def update_order(self, request: web.Request) -> web.Response:
        doc = self._order(request)
        patch = dict((await request.json())["order"])
        patch.pop("id", None)
        refused = set(patch) - UPDATABLE
        if refused:
            return _error(400, "INVALID_ARGUMENT", f"cannot update {sorted(refused)}")
        for key, value in patch.items():
            doc[key] = _merge(doc.get(key), value)
        self._touch(doc)
        return web.json_response({"order": doc})

    async def cancel(self, request: web.Request) -> web.Response:
        doc = self._order(request)
        if doc["status"] == "CANCELED":
            return _error(428, "FAILED_PRECONDITION", "order is already canceled")
        doc["status"] = "CANCELED"
        self._touch(doc, "ORDER_CANCELED")
        return web.json_response({"order": doc})

    async def add_activity(self, request: web.Request) -> web.Response:
        doc = self._order(request)
        activity = (await request.json())["activity"]
        kind = "MERCHANT_COMMENT" if "merchantComment" in activity else "CUSTOM_ACTIVITY"
        self._touch(doc, kind, authorEmail="merchant@example.com", **activity)
        return web.json_response({"order": doc, "activityId": doc["activities"][-1]["id"]})

    async def search(self, request: web.Request) -> web.Response:
        search = (await request.json()).get("search") or {}
        paging = search.get("cursorPaging") or {}
        limit = int(paging.get("limit") or 100)
        if limit > 100:
            return _error(400, "INVALID_ARGUMENT", "cursorPaging.limit must be at most 100")
        if paging.get("cursor"):
            if "filter" in search or "sort" in search:
                return _error(400, "INVALID_ARGUMENT", "send only the cursor when paging")
            state = json.loads(urlsafe_b64decode(paging["cursor"]))
        else:
            state = {"filter": search.get("filter") or {}, "sort": search.get("sort") or [], "offset": 0}
        found = [
            d for d in self.orders.values() if d["status"] != "INITIALIZED" and _matches(d, state["filter"])
        ]
        sort = (state["sort"] or [{"fieldName": "createdDate", "order": "DESC"}])[0]
        key = (
            (lambda d: int(d["number"]))
            if sort["fieldName"] == "number"
            else (lambda d: d[sort["fieldName"]])
        )
        found.sort(key=key, reverse=sort.get("order") == "DESC")
        start = state["offset"]
        page = found[start : start + limit]
        more = start + limit < len(found)
        nxt = None
        if more:
            raw = json.dumps({**state, "offset": start + limit}).encode()
            nxt = urlsafe_b64encode(raw).decode()
        meta = {"count": len(page), "cursors": {"next": nxt}, "hasNext": more}
        return web.json_response({"orders": page, "metadata": meta})

    # ------------------------------------------------------------------------------------ payments

    def _recompute_payment_status(self, order_id: str) -> None:
        doc = self.orders[order_id]
        paid = sum(
            (
                Decimal(p["amount"]["amount"])
                for p in self.transactions[order_id]["payments"]
                if (p.get("regularPaymentDetails") or {}).get("status") == "APPROVED"
            ),
            Decimal(0),
        )
        total = Decimal(doc["priceSummary"]["total"]["amount"])
        status = "PAID" if paid >= total else "PARTIALLY_PAID" if paid > 0 else "NOT_PAID"
        doc["balanceSummary"] = {"balance": {"amount": str(max(Decimal(0), total - paid))}}
        if status != doc["paymentStatus"]:
            doc["paymentStatus"] = status
            self._touch(doc, "ORDER_PAID" if status == "PAID" else None)

    async def list_transactions(self, request: web.Request) -> web.Response:
        ids = (await request.json())["orderIds"]
        return web.json_response(
            {"orderTransactions": [self.transactions[i] for i in ids if i in self.transactions]}
        )

    async def add_payments(self, request: web.Request) -> web.Response:
        self._order(request)
        order_id = request.match_info["id"]
        payments = (await request.json())["payments"]
        if len(payments) > 50:
            return _error(400, "INVALID_ARGUMENT", "at most 50 payments")
        added = []
        for p in payments:
            stored = {"id": str(uuid.uuid4()), "createdDate": p.get("createdDate") or self.now(), **p}
            stored["updatedDate"] = self.now()
            self.transactions[order_id]["payments"].append(stored)
            added.append(stored["id"])
        self._recompute_payment_status(order_id)
        return web.json_response({"orderTransactions": self.transactions[order_id], "paymentsIds": added})

    def _set_status(self, order_id: str, payment_id: str, status: str) -> Json | None:
        for p in self.transactions.get(order_id, {}).get("payments", []):
            if p["id"] == payment_id:
                p.setdefault("regularPaymentDetails", {})["status"] = status
                p["updatedDate"] = self.now()
                self._recompute_payment_status(order_id)
                return p
        return None

    async def payment_status(self, request: web.Request) -> web.Response:
        self._order(request)
        order_id = request.match_info["id"]
        if self._set_status(order_id, request.match_info["pid"], (await request.json())["status"]) is None:
            return _error(404, "PAYMENT_NOT_FOUND", "no such payment")
        return web.json_response({"orderTransactions": self.transactions[order_id]})

    async def bulk_payment_status(self, request: web.Request) -> web.Response:
        body = await request.json()
        pairs = body["paymentAndOrderIds"]
        if len(pairs) > 300:
            return _error(400, "INVALID_ARGUMENT", "at most 300 payments")
        results = []
        for index, pair in enumerate(pairs):
            found = None
            if pair["paymentId"] not in self.unknown_payments:
                found = self._set_status(pair["orderId"], pair["paymentId"], body["status"])
            meta: Json = {"id": pair["paymentId"], "originalIndex": index, "success": found is not None}
            if found is None:
                meta["error"] = {"code": "PAYMENT_NOT_FOUND", "description": "no such payment"}
            results.append({"itemMetadata": meta})
        results.reverse()  # Wix does not promise request order
        ok = sum(1 for r in results if r["itemMetadata"]["success"])
        metadata = {"totalSuccesses": ok, "totalFailures": len(results) - ok, "undetailedFailures": 0}
        return web.json_response({"results": results, "bulkActionMetadata": metadata})

    # -------------------------------------------------------------------------------- fulfillments

    def _fulfil(self, order_id: str, fulfillment: Json) -> tuple[Json | None, str | None]:
        doc = self.orders.get(order_id)
        if doc is None:
            return None, "ORDER_NOT_FOUND"
        if order_id in self.refusing:
            return None, "FULFILLMENT_REFUSED"
        if doc["status"] != "APPROVED":
            return None, "ORDER_NOT_APPROVED"
        done: dict[str, int] = {}
        for f in self.fulfillments[order_id]:
            for line in f["lineItems"]:
                done[line["id"]] = done.get(line["id"], 0) + line["quantity"]
        lines = []
        for line in fulfillment["lineItems"]:
            ordered = next((li for li in doc["lineItems"] if li["id"] == line["id"]), None)
            if ordered is None:
                return None, "LINE_ITEM_NOT_FOUND"
            left = ordered["quantity"] - done.get(line["id"], 0)
            quantity = line.get("quantity", left)
            if quantity > left or quantity < 1:
                return None, "QUANTITY_EXCEEDED"
            lines.append({"id": line["id"], "quantity": quantity})
        made = {**fulfillment, "id": str(uuid.uuid4()), "createdDate": self.now(), "lineItems": lines}
        _link(made.get("trackingInfo"))
        self.fulfillments[order_id].append(made)
        self._recompute_fulfillment_status(order_id)
        return made, None

    def _recompute_fulfillment_status(self, order_id: str) -> None:
        doc = self.orders[order_id]
        ordered = sum(li["quantity"] for li in doc["lineItems"])
        done = sum(line["quantity"] for f in self.fulfillments[order_id] for line in f["lineItems"])
        status = "FULFILLED" if done >= ordered else "PARTIALLY_FULFILLED" if done else "NOT_FULFILLED"
        if status != doc["fulfillmentStatus"]:
            doc["fulfillmentStatus"] = status
            self._touch(doc, "ORDER_FULFILLED" if status == "FULFILLED" else None)

    def _with_fulfillments(self, order_id: str) -> Json:
        return {"orderId": order_id, "fulfillments": self.fulfillments[order_id]}

    async def list_fulfillments(self, request: web.Request) -> web.Response:
        ids = (await request.json())["orderIds"]
        if len(ids) > 100:
            return _error(400, "INVALID_ARGUMENT", "at most 100 order ids")
        found = [self._with_fulfillments(i) for i in ids if i in self.fulfillments]
        return web.json_response({"ordersWithFulfillments": found})

    async def create_fulfillment(self, request: web.Request) -> web.Response:
        self._order(request)
        order_id = request.match_info["id"]
        made, error = self._fulfil(order_id, (await request.json())["fulfillment"])
        if made is None:
            return _error(400, str(error), "cannot create the fulfillment")
        return web.json_response(
            {"orderWithFulfillments": self._with_fulfillments(order_id), "fulfillmentId": made["id"]}
        )

    async def bulk_fulfillments(self, request: web.Request) -> web.Response:
        entries = (await request.json())["ordersWithFulfillments"]
        if len(entries) > 100:
            return _error(400, "INVALID_ARGUMENT", "at most 100 orders")
        results = []
        for index, entry in enumerate(entries):
            error = None
            for f in entry["fulfillments"]:
                _, error = self._fulfil(entry["orderId"], f)
                if error:
                    break
            meta: Json = {"id": entry["orderId"], "originalIndex": index, "success": error is None}
            result: Json = {"itemMetadata": meta}
            if error:
                meta["error"] = {"code": error, "description": "cannot create the fulfillment"}
            else:
                result["ordersWithFulfillments"] = self._with_fulfillments(entry["orderId"])
            results.append(result)
        results.reverse()
        ok = sum(1 for r in results if r["itemMetadata"]["success"])
        metadata = {"totalSuccesses": ok, "totalFailures": len(results) - ok, "undetailedFailures": 0}
        return web.json_response({"results": results, "bulkActionMetadata": metadata})

    def _fulfillment(self, request: web.Request) -> Json:
        self._order(request)
        for f in self.fulfillments[request.match_info["id"]]:
            if f["id"] == request.match_info["fid"]:
                return f
        raise web.HTTPNotFound(
            text=json.dumps({"message": "fulfillment not found"}), content_type="application/json"
        )

    async def update_fulfillment(self, request: web.Request) -> web.Response:
        f = self._fulfillment(request)
        body = await request.json()
        for path in (body.get("fieldMask") or {}).get("paths") or list(body["fulfillment"]):
            f[path] = body["fulfillment"].get(path)
        _link(f.get("trackingInfo"))
        return web.json_response({"orderWithFulfillments": self._with_fulfillments(request.match_info["id"])})

    async def delete_fulfillment(self, request: web.Request) -> web.Response:
        f = self._fulfillment(request)
        order_id = request.match_info["id"]
        self.fulfillments[order_id].remove(f)
        self._recompute_fulfillment_status(order_id)
        return web.json_response({"orderWithFulfillments": self._with_fulfillments(order_id)})


def _link(tracking: Json | None) -> None:
    """Wix fills in the tracking link of the providers it knows."""
    if tracking and not tracking.get("trackingLink") and tracking.get("shippingProvider") in LINK:
        tracking["trackingLink"] = LINK[tracking["shippingProvider"]].format(n=tracking["trackingNumber"])


def _error(status: int, code: str, message: str) -> web.Response:
    body = {"message": message, "details": {"applicationError": {"code": code, "description": message}}}
    return web.json_response(body, status=status)


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: _merge(old.get(k), v) for k, v in new.items()}}
    return new


def _field(doc: Json, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _test(op: str, value: Any, arg: Any) -> bool:
    if op == "$eq":
        return bool(value == arg)
    if op == "$ne":
        return bool(value != arg)
    if op == "$in":
        return value in arg
    if op == "$gt":
        return value is not None and value > arg
    if op == "$lt":
        return value is not None and value < arg
    raise web.HTTPBadRequest(text=json.dumps({"message": f"operator {op}"}), content_type="application/json")


def _matches(doc: Json, flt: Json) -> bool:
    for path, cond in flt.items():
        value = _field(doc, path)
        ops = cond if isinstance(cond, dict) else {"$eq": cond}
        if not all(_test(op, value, arg) for op, arg in ops.items()):
            return False
    return True


def record_payment(emulator: WixEmulator, order_id: str, amount: str, status: str = "APPROVED") -> Json:
    """A payment recorded on the site itself."""
    stamp = emulator.now()
    payment = {
        "id": str(uuid.uuid4()),
        "createdDate": stamp,
        "updatedDate": stamp,
        "amount": {"amount": amount},
        "regularPaymentDetails": {"paymentMethod": "CreditCard", "status": status, "offlinePayment": False},
    }
    emulator.transactions[order_id]["payments"].append(payment)
    emulator._recompute_payment_status(order_id)
    return payment
