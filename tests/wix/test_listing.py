"""Listing Wix orders: contract filters and sorts in Wix's filter language, cursors passed through, and
UNSUPPORTED_BY_BACKEND naming what Wix cannot filter or sort by."""

from __future__ import annotations

from typing import Any

from app.domain import ids
from tests.wix.conftest import WixGateway

LIST = """query($filter: OrderFilter, $sort: OrderSort, $first: Int, $after: String) {
  orders(filter: $filter, sort: $sort, first: $first, after: $after) {
    nodes { id number } pageInfo { hasNextPage endCursor } } }"""


async def page(gateway: WixGateway, **variables: Any) -> dict[str, Any]:
    return await gateway.field(LIST, **variables)


async def test_filters_and_sort_are_sent_in_wix_terms(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    mine = [wix.place(email="list@example.com") for _ in range(3)]
    wix.place(email="other@example.com")
    flt = {
        "source": "wix",
        "buyerEmail": "list@example.com",
        "status": ["APPROVED", "COMPLETED"],
        "paymentStatus": ["NOT_PAID"],
        "createdAfter": "2026-01-01T00:00:00Z",
    }
    found = await page(wix_gateway, filter=flt, sort={"field": "NUMBER", "direction": "ASC"})
    assert [n["number"] for n in found["nodes"]] == [d["number"] for d in mine]
    search = wix.sent("POST", "/orders/search")["search"]
    assert search["filter"] == {
        "buyerInfo.email": {"$eq": "list@example.com"},
        "status": {"$in": ["APPROVED"]},
        "paymentStatus": {"$in": ["NOT_PAID"]},
        "createdDate": {"$gt": "2026-01-01T00:00:00.000Z"},
    }
    assert search["sort"] == [{"fieldName": "number", "order": "ASC"}]
    one = await page(wix_gateway, filter={"source": "wix", "numbers": [mine[1]["number"]]})
    assert [n["number"] for n in one["nodes"]] == [mine[1]["number"]]
    calls = len(wix.calls)
    nothing = await page(wix_gateway, filter={"source": "wix", "status": ["COMPLETED"]})
    assert nothing["nodes"] == []
    assert len(wix.calls) == calls  # no Wix order is COMPLETED: answered without a call


async def test_cursors_pass_through_and_later_pages_send_only_the_cursor(wix_gateway: WixGateway) -> None:
    wix = wix_gateway.wix
    mine = [wix.place(email="pages@example.com") for _ in range(3)]
    flt = {"source": "wix", "buyerEmail": "pages@example.com"}
    first = await page(wix_gateway, filter=flt, first=2)
    assert first["pageInfo"]["hasNextPage"] is True
    second = await page(wix_gateway, filter=flt, first=2, after=first["pageInfo"]["endCursor"])
    assert set(wix.sent("POST", "/orders/search")["search"]) == {"cursorPaging"}
    assert second["pageInfo"]["hasNextPage"] is False
    numbers = [n["number"] for n in first["nodes"] + second["nodes"]]
    assert sorted(numbers) == sorted(d["number"] for d in mine)
    last = await page(wix_gateway, filter=flt, first=2, after=second["pageInfo"]["endCursor"])
    assert last["nodes"] == []
    [error] = await wix_gateway.errors(LIST, {"filter": flt, "after": "bm90LWEtY3Vyc29y"})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID", ["after"])


async def test_what_wix_cannot_filter_or_sort_by_is_named(wix_gateway: WixGateway) -> None:
    calls = len(wix_gateway.wix.calls)
    for variables, field in (
        ({"filter": {"source": "wix", "query": "mug"}}, ["filter", "query"]),
        ({"filter": {"source": "wix", "customStatusId": "x"}}, ["filter", "customStatusId"]),
        ({"filter": {"source": "wix", "numbers": ["1", "2"]}}, ["filter", "numbers"]),
        ({"filter": {"source": "wix"}, "sort": {"field": "TOTAL"}}, ["sort", "field"]),
    ):
        [error] = await wix_gateway.errors(LIST, variables)
        assert error["extensions"] == {"code": "UNSUPPORTED_BY_BACKEND", "field": field}
    assert len(wix_gateway.wix.calls) == calls


async def test_total_count_pages_through_the_search(wix_gateway: WixGateway) -> None:
    for _ in range(3):
        wix_gateway.wix.place(email="count@example.com")
    query = '{ orders(filter: {source: "wix", buyerEmail: "count@example.com"}, first: 1) { totalCount } }'
    assert (await wix_gateway.field(query))["totalCount"] == 3


async def test_an_order_wix_sends_incomplete_is_an_upstream_error(wix_gateway: WixGateway) -> None:
    doc = wix_gateway.wix.place()
    del doc["currency"]
    [error] = await wix_gateway.errors(
        "query($id: ID!) { order(id: $id) { id } }", {"id": ids.encode("wix", "Order", doc["id"])}
    )
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert "cannot read" in error["message"]
    doc["currency"] = "USD"
