"""A Retailys `/System/Orders` emulator written from the reference, served over real HTTP on 127.0.0.1.

It keeps orders, items, statuses, trackings, history records and event callbacks in memory, answers with
the reference's JSON (snake_case, integer ids, `paginator`, `ErrorModel`), checks the `token` header,
enforces 100 requests per second per client (a sliding one-second window; above it 429 with
`Retry-After: 1`), and can inject faults: a status with an ErrorModel, a delay, or a malformed body.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

TOKEN = "test-token"
LIMIT = 100
Json = dict[str, Any]


@dataclass
class Fault:
    """What to do instead of (or before) answering the next `times` matching requests."""

    method: str
    path: re.Pattern[str]
    status: int | None = None
    message: str = "injected"
    delay_s: float = 0
    malformed: bool = False
    times: int = 1


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    at: float
    status: int = 0


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def error(status: int, message: str, detail: str = "") -> web.Response:
    return web.json_response({"message": message, "detail": detail}, status=status)


@dataclass
class Emulator:
    """The upstream's state and its HTTP app; `base_url` once started."""

    orders: dict[int, Json] = field(default_factory=dict)
    statuses: list[Json] = field(default_factory=list)
    events: dict[int, Json] = field(default_factory=dict)
    history: list[tuple[int, Json]] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    throttled: int = 0
    base_url: str = ""
    _next_id: int = 1000
    _window: deque[float] = field(default_factory=deque)

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # ---------------------------------------------------------------------------------- test helpers

    def fail(self, method: str, path: str, status: int | None = None, **options: Any) -> None:
        """Injects a fault for requests whose path (after /v1) matches the regular expression `path`."""
        self.faults.append(Fault(method, re.compile(path), status, **options))

    def add_order(self, **fields: Any) -> Json:
        """An order made in Retailys by someone else (no items unless given)."""
        order: Json = {
            "id": self.new_id(),
            "customer": {"id": 77, "api_link": "/System/People/77"},
            "date_order": now_iso(),
            "email": "eva@example.com",
            "name": "Eva Novak",
            "order_currency_code": "CZK",
            "main_currency_code": "CZK",
            "items": [],
            "trackings": [],
            "paid": 0.0,
            "date_paid": None,
            "sent": False,
            "delivered": False,
            "done": False,
            "canceled": False,
            "status_id": None,
            "shipping": {"id": 5, "name": "PPL", "price": 0.0},
        }
        order.update(fields)
        self.orders[order["id"]] = order
        self._reprice(order)
        return order

    def max_in_any_second(self) -> int:
        """The most requests answered (not throttled) within any one-second window."""
        times = sorted(s.at for s in self.requests if s.status != 429)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def calls(self, method: str, pattern: str) -> list[Seen]:
        return [s for s in self.requests if s.method == method and re.fullmatch(pattern, s.path)]

    # ------------------------------------------------------------------------------------- the app

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate])
        r = app.router
        r.add_post("/v1/System/Orders", self.post_order)
        r.add_put("/v1/System/Orders", self.put_order)
        r.add_get("/v1/System/Orders", self.list_orders)
        r.add_get("/v1/System/Orders/Statuses", self.list_statuses)
        r.add_get(r"/v1/System/Orders/{id:\d+}", self.get_order)
        r.add_post(r"/v1/System/Orders/{id:\d+}/item", self.post_item)
        r.add_put(r"/v1/System/Orders/{id:\d+}/item", self.put_item)
        r.add_delete(r"/v1/System/Orders/{id:\d+}/item/{item:\d+}", self.delete_item)
        r.add_patch(r"/v1/System/Orders/{id:\d+}/status", self.patch_status)
        r.add_post(r"/v1/System/Orders/{id:\d+}/tracking", self.post_tracking)
        r.add_post(r"/v1/System/Orders/{id:\d+}/history", self.post_history)
        r.add_patch(r"/v1/System/Orders/{id:\d+}/paid", self.patch_paid)
        r.add_patch(r"/v1/System/Orders/{id:\d+}/{flag:done|cancel|sent|delivered}", self.patch_flag)
        r.add_get("/v1/System/Events", self.list_events)
        r.add_post("/v1/System/Events", self.post_event)
        return app

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path.removeprefix("/v1")
        seen = Seen(request.method, path, dict(request.query), time.monotonic())
        self.requests.append(seen)
        while self._window and seen.at - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= LIMIT:
            self.throttled += 1
            seen.status = 429
            return web.json_response(
                {"message": "Too Many Requests", "detail": ""}, status=429, headers={"Retry-After": "1"}
            )
        self._window.append(seen.at)
        if request.headers.get("token") != TOKEN:
            seen.status = 401
            return error(401, "Unauthorized", "missing or wrong token")
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.path.fullmatch(path):
                fault.times -= 1
                if fault.delay_s:
                    await asyncio.sleep(fault.delay_s)
                if fault.malformed:
                    seen.status = 200
                    return web.Response(text="{not json", content_type="application/json")
                if fault.status is not None:
                    seen.status = fault.status
                    return error(fault.status, fault.message, "injected fault")
                break
        response = await handler(request)
        seen.status = response.status
        return response  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------------- helpers

    def _order(self, request: web.Request) -> Json:
        order = self.orders.get(int(request.match_info["id"]))
        if order is None:
            raise web.HTTPNotFound(
                text=json.dumps({"message": "Order not found", "detail": ""}), content_type="application/json"
            )
        return order

    @staticmethod
    def _reprice(order: Json) -> None:
        goods = sum(
            i["price"]["base_price"] * i["count"] * (1 + i["price"]["vat"] / 100) for i in order["items"]
        )
        order["money"] = round(goods + (order.get("shipping") or {}).get("price", 0.0), 2)

    def _view(self, order: Json, expanded: bool) -> Json:
        view = json.loads(json.dumps(order))
        if not expanded and isinstance(view.get("shipping"), dict):
            sid = view["shipping"]["id"]
            view["shipping"] = {"id": sid, "api_link": f"/System/Channels/Shippings/{sid}"}
        return view

    @staticmethod
    def _paging(request: web.Request) -> tuple[int, int] | web.Response:
        try:
            page = int(request.query.get("page", "1"))
            per_page = int(request.query.get("per_page", "10"))
        except ValueError:
            return error(400, "Bad Request", "page and per_page are integers")
        if page < 1 or not 10 <= per_page <= 250:
            return error(400, "Bad Request", "per_page must be between 10 and 250")
        return page, per_page

    @staticmethod
    def _paginator(page: int, per_page: int, total: int) -> Json:
        return {"page": page, "per_page": per_page, "pages": max(1, -(-total // per_page)), "total": total}

    @staticmethod
    async def _body(request: web.Request) -> Json:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(
                text=json.dumps({"message": "Bad Request", "detail": "invalid JSON"}),
                content_type="application/json",
            ) from None
        return body if isinstance(body, dict) else {}

    # ------------------------------------------------------------------------------------ endpoints

    async def post_order(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not body.get("order_currency_code"):
            return error(400, "Bad Request", "order_currency_code is required")
        fields = {
            "email": None,
            "name": None,
            "customer": None,
            "main_currency_code": body["order_currency_code"],
        }
        fields.update({k: v for k, v in body.items() if k not in ("channel", "domain", "ip")})
        order = self.add_order(**fields)
        return web.json_response({"id": order["id"]}, status=201)

    async def put_order(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        order = self.orders.get(int(body.get("id") or 0))
        if order is None:
            return error(404, "Order not found")
        for name, value in body.items():
            if name.startswith("delivery_"):
                order[name] = value
        return web.json_response({"id": order["id"]})

    async def get_order(self, request: web.Request) -> web.Response:
        order = self._order(request)
        return web.json_response(self._view(order, request.query.get("expanded") == "true"))

    async def list_orders(self, request: web.Request) -> web.Response:
        paging = self._paging(request)
        if isinstance(paging, web.Response):
            return paging
        page, per_page = paging
        q = request.query
        found = list(self.orders.values())
        for flag in ("done", "canceled"):
            if flag in q:
                found = [o for o in found if o[flag] == (q[flag] == "true")]
        if "status_id" in q:
            found = [o for o in found if str(o["status_id"]) == q["status_id"]]
        if "customer_id" in q:
            found = [o for o in found if str((o.get("customer") or {}).get("id")) == q["customer_id"]]
        if "tracking" in q:
            found = [o for o in found if any(t["tracking_number"] == q["tracking"] for t in o["trackings"])]
        try:
            if "from" in q:
                since = datetime.fromisoformat(q["from"])
                found = [o for o in found if datetime.fromisoformat(o["date_order"]) >= since]
            if "to" in q:
                until = datetime.fromisoformat(q["to"])
                found = [o for o in found if datetime.fromisoformat(o["date_order"]) <= until]
        except ValueError:
            return error(400, "Bad Request", "from and to are ISO-8601 date-times")
        found.sort(key=lambda o: (datetime.fromisoformat(o["date_order"]), o["id"]), reverse=True)
        chunk = found[(page - 1) * per_page : page * per_page]
        expanded = q.get("expanded") == "true"
        return web.json_response(
            {
                "paginator": self._paginator(page, per_page, len(found)),
                "orders": [self._view(o, expanded) for o in chunk],
            }
        )

    async def list_statuses(self, request: web.Request) -> web.Response:
        paging = self._paging(request)
        if isinstance(paging, web.Response):
            return paging
        page, per_page = paging
        chunk = self.statuses[(page - 1) * per_page : page * per_page]
        return web.json_response(
            {"paginator": self._paginator(page, per_page, len(self.statuses)), "statuses": chunk}
        )

    def _item(self, order: Json, body: Json, item_id: int) -> Json | web.Response:
        count, price, vat = body.get("count"), body.get("price"), body.get("vat", 0)
        if not isinstance(count, int) or count < 1 or not isinstance(price, (int, float)) or price < 0:
            return error(400, "Bad Request", "count ≥ 1 and price ≥ 0 are required")
        article = body.get("article")
        return {
            "id": item_id,
            "article": {"id": article, "api_link": f"/System/Articles/{article}"} if article else None,
            "name": body.get("name") or "",
            "count": count,
            "ordered": count,
            "waiting_count": 0,
            "note": body.get("note") or "",
            "price": {"base_price": price, "vat": vat, "currency": order["order_currency_code"]},
        }

    async def post_item(self, request: web.Request) -> web.Response:
        order = self._order(request)
        if order["done"] or order["canceled"]:
            return error(422, "Unprocessable Entity", "the order is closed")
        item = self._item(order, await self._body(request), self.new_id())
        if isinstance(item, web.Response):
            return item
        order["items"].append(item)
        self._reprice(order)
        return web.json_response({"id": item["id"]}, status=201)

    async def put_item(self, request: web.Request) -> web.Response:
        order = self._order(request)
        body = await self._body(request)
        index = next((i for i, it in enumerate(order["items"]) if it["id"] == body.get("id")), None)
        if index is None:
            return error(404, "Item not found")
        item = self._item(order, body, body["id"])
        if isinstance(item, web.Response):
            return item
        order["items"][index] = item
        self._reprice(order)
        return web.json_response({"id": item["id"]}, status=201)

    async def delete_item(self, request: web.Request) -> web.Response:
        order = self._order(request)
        item_id = int(request.match_info["item"])
        if not any(it["id"] == item_id for it in order["items"]):
            return error(404, "Item not found")
        order["items"] = [it for it in order["items"] if it["id"] != item_id]
        self._reprice(order)
        return web.json_response({"id": item_id})

    async def patch_status(self, request: web.Request) -> web.Response:
        order = self._order(request)
        body = await self._body(request)
        status = next((s for s in self.statuses if s["id"] == body.get("status_id")), None)
        if status is None:
            return error(400, "Bad Request", "unknown status_id")
        order["status_id"] = status["id"]
        order["done"] = order["done"] or status["complete_order"]
        order["canceled"] = order["canceled"] or status["cancel_order"]
        return web.json_response(self._view(order, False))

    async def post_tracking(self, request: web.Request) -> web.Response:
        order = self._order(request)
        body = await self._body(request)
        if not isinstance(body.get("shipper_id"), int) or not body.get("tracking_number"):
            return error(400, "Bad Request", "shipper_id and tracking_number are required")
        number = body["tracking_number"]
        order["trackings"].append(
            {
                "shipper_id": body["shipper_id"],
                "tracking_number": number,
                "tracking_url": f"https://track.example/{body['shipper_id']}/{number}",
            }
        )
        return web.json_response({"id": self.new_id()}, status=201)

    async def post_history(self, request: web.Request) -> web.Response:
        order = self._order(request)
        body = await self._body(request)
        record = body.get("record")
        if body.get("type") not in ("order", "email", "apps", "status") or not isinstance(record, dict):
            return error(400, "Bad Request", "type must be order, email, apps or status")
        self.history.append((order["id"], body))
        return web.json_response({"id": self.new_id()}, status=201)

    async def patch_paid(self, request: web.Request) -> web.Response:
        order = self._order(request)
        body = await self._body(request)
        if not isinstance(body.get("paid"), (int, float)) or body.get("status") not in (
            "success",
            "denied",
            "canceled",
            "unknown",
        ):
            return error(400, "Bad Request", "paid and status are required")
        if body["status"] == "success":
            order["paid"] = round(order["paid"] + body["paid"], 2)
            order["date_paid"] = now_iso()
            order["external_payment_id"] = body.get("payment_id")
        return web.json_response(self._view(order, False))

    async def patch_flag(self, request: web.Request) -> web.Response:
        order = self._order(request)
        flag = request.match_info["flag"]
        if flag == "done" and order["canceled"]:
            return error(400, "Bad Request", "a canceled order cannot be done")
        if flag == "cancel" and order["done"]:
            return error(400, "Bad Request", "a done order cannot be canceled")
        if flag in ("sent", "delivered") and order["canceled"]:
            return error(422, "Unprocessable Entity", "the order is canceled")
        if flag == "delivered" and not order["sent"]:
            return error(422, "Unprocessable Entity", "the order was not sent")
        order[{"cancel": "canceled"}.get(flag, flag)] = True
        return web.json_response(self._view(order, False))

    async def list_events(self, request: web.Request) -> web.Response:
        found = [
            e
            for e in self.events.values()
            if "path" not in request.query or e["path"] == request.query["path"]
        ]
        return web.json_response({"paginator": self._paginator(1, 250, len(found)), "events": found})

    async def post_event(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if body.get("event") not in ("new-order", "change-article-availability") or not body.get("path"):
            return error(400, "Bad Request", "event and path are required")
        event = {"id": self.new_id(), **body}
        self.events[event["id"]] = event
        return web.json_response({"id": event["id"]}, status=201)


async def start(emulator: Emulator) -> web.AppRunner:
    """Serves `emulator` on a free port of 127.0.0.1 and sets its `base_url` (…/v1)."""
    runner = web.AppRunner(emulator.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    emulator.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
    return runner
