"""Store sizes: the seeded store grown to 1k, 100k or 1M orders with bulk Core inserts, and the reads that
must cost the same at every size.

Growing clones the regular seeded orders (their lines, payments, fulfillments, history and search words)
under new ids, numbers, buyers and creation times, each an hour older than the last, so that the seeded
orders stay the newest. A clone's buyer email, number and creation time are its own: the filtered reads
pick one clone by each of them.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, func, insert, select, update

from app.backends.local.tables import (
    counters_t,
    fulfillments_t,
    history_t,
    lines_t,
    orders_t,
    payments_t,
    words_t,
)
from app.domain import ids
from app.domain.listing import search_words
from bench import BenchError
from bench.graphql import encode
from bench.scenarios import Scenario

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def slugify(name: str) -> str:
    """`name` as a slug: lower-case words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", name.lower()))


BATCH = 2_000  # orders per insert
FIRST_CLONE_NUMBER = 50_000_000
CHILDREN = (lines_t, payments_t, fulfillments_t, history_t)


@dataclass(frozen=True)
class Grown:
    """A store of `orders` orders, and one clone that the filtered reads look for."""

    database: Path
    orders: int
    probe_id: str
    probe_email: str
    probe_number: str
    probe_created_at: str  # ISO 8601 with offset


def _templates(conn: Any) -> list[tuple[dict[str, Any], dict[Any, list[dict[str, Any]]]]]:
    """The regular seeded orders (those with two payments or one, three lines), with their child rows."""
    rows = conn.execute(select(orders_t).where(orders_t.c.buyer_email.like("b%@example.com"))).mappings()
    orders = [dict(row) for row in rows]
    found: list[tuple[dict[str, Any], dict[Any, list[dict[str, Any]]]]] = []
    for order in orders:
        children: dict[Any, list[dict[str, Any]]] = {}
        for table in CHILDREN:
            rows = conn.execute(select(table).where(table.c.order_id == order["id"])).mappings()
            children[table] = [dict(row) for row in rows]
        found.append((order, children))
    return found


def _clone(
    k: int, order: dict[str, Any], children: dict[Any, list[dict[str, Any]]], oldest: Any
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The rows of clone number `k` of `order`."""
    native = f"c{k:011x}"
    order_id = ids.encode("local", "Order", native)
    number = FIRST_CLONE_NUMBER + k
    email = f"clone{k}@example.com"
    created = oldest - timedelta(hours=k + 1)
    buyer = dict(order["buyer"] or {}) | {"email": email, "lastName": f"Clone{k}"}
    products = " ".join(line["product_name"] for line in children[lines_t])
    text = f"{number} {buyer.get('firstName') or ''} Clone{k} {email} {products}"
    words = list(dict.fromkeys(search_words(text)))
    yield (
        orders_t,
        order
        | {
            "id": order_id,
            "number": number,
            "buyer": buyer,
            "buyer_email": email,
            "created_at": created,
            "updated_at": created,
            "search_text": " " + " ".join(words),
        },
    )
    for word in words:
        yield words_t, {"word": word, "order_id": order_id}
    line_ids: dict[str, str] = {}
    for table in CHILDREN:
        for j, row in enumerate(children[table]):
            new_id = ids.encode("local", table.name, f"{native}{j:03d}")
            if table is lines_t:
                line_ids[row["id"]] = new_id
            clone = row | {"id": new_id, "order_id": order_id}
            if "created_at" in row:
                clone["created_at"] = created
            if "updated_at" in row:
                clone["updated_at"] = created
            if table is fulfillments_t:
                clone["lines"] = [[line_ids.get(line, line), *rest] for line, *rest in row["lines"]]
            yield table, clone


def grow(source: Path, target: Path, orders: int) -> Grown:
    """Copies the seeded store at `source` to `target` and adds clones until it holds `orders` orders."""
    shutil.copyfile(source, target)
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.begin() as conn:
            have = int(conn.execute(select(func.count()).select_from(orders_t)).scalar_one())
            templates = _templates(conn)
            oldest = conn.execute(select(func.min(orders_t.c.created_at))).scalar_one()
            if orders <= have:
                raise BenchError(f"the seeded store holds {have:,} orders already, more than {orders:,}")
            wanted = orders - have
            pending: dict[Any, list[dict[str, Any]]] = {}
            for k in range(wanted):
                order, children = templates[k % len(templates)]
                for table, row in _clone(k, order, children, oldest):
                    pending.setdefault(table, []).append(row)
                if (k + 1) % BATCH == 0 or k + 1 == wanted:
                    for table in (orders_t, words_t, *CHILDREN):  # parents first
                        if pending.get(table):
                            conn.execute(insert(table), pending[table])
                    pending = {}
            total = have + wanted
            conn.execute(update(counters_t).where(counters_t.c.name == "orders").values(value=total))
            probe = (
                conn.execute(select(orders_t).where(orders_t.c.number == FIRST_CLONE_NUMBER + wanted // 2))
                .mappings()
                .one()
            )
    finally:
        engine.dispose()
    return Grown(
        database=target,
        orders=total,
        probe_id=probe["id"],
        probe_email=probe["buyer_email"],
        probe_number=str(probe["number"]),
        probe_created_at=probe["created_at"].isoformat(),
    )


def _found(document: dict[str, Any]) -> str | None:
    data = document["data"]
    if "order" in data:
        return None if data["order"] else "the probe order was not found"
    orders = data["orders"]
    if "nodes" in orders and not orders["nodes"]:
        return "no order matched"
    return None if orders.get("totalCount", 1) else "totalCount is 0"


SIZE_READS: dict[str, str] = {
    "order(id)": "query($id: ID!) { order(id: $id) { id number lineItems { id } payments { id } } }",
    "by buyer email": (
        "query($email: String) { orders(filter: {buyerEmail: $email}) { totalCount nodes { id number } } }"
    ),
    "by text": "query($text: String) { orders(filter: {query: $text}) { totalCount nodes { id number } } }",
    "by date range": (
        "query($after: DateTime, $before: DateTime) "
        "{ orders(filter: {createdAfter: $after, createdBefore: $before}) "
        "{ totalCount nodes { id number } } }"
    ),
    "by status (page of 50)": (
        "{ orders(first: 50, filter: {status: [APPROVED]}) { nodes { id number lineItems { id } } } }"
    ),
    "totalCount": "{ orders(first: 1) { totalCount } }",
}
"""The reads measured at each store size, by name."""


SIZE_SCENARIOS = tuple(
    Scenario(slug=f"size-{slugify(name)}", title=name, query=query, check=_found)
    for name, query in SIZE_READS.items()
)
"""The reads as scenarios (their checks, for the load generator)."""


def size_payloads(grown: Grown) -> dict[str, bytes]:
    """The request body of each read of `SIZE_READS`, aimed at the grown store's probe clone."""
    at = datetime.fromisoformat(grown.probe_created_at)
    variables: dict[str, dict[str, Any]] = {
        "order(id)": {"id": grown.probe_id},
        "by buyer email": {"email": grown.probe_email},
        "by text": {"text": grown.probe_number},
        "by date range": {
            "after": (at - timedelta(minutes=1)).isoformat(),
            "before": (at + timedelta(minutes=1)).isoformat(),
        },
    }
    return {name: encode(query, variables.get(name)) for name, query in SIZE_READS.items()}
