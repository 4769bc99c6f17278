"""The local store's tables (SQLModel), shared by SQLite and PostgreSQL.

Money is kept as integer minor units of the order's currency; rates as their decimal text; times as aware
UTC. Derived values (totals, balance, statuses, search words) live on the order row so lists filter and
sort on indexed columns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every dialect (SQLite keeps no offset, so one is put back on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _minor(*, nullable: bool = False) -> Any:
    return Field(sa_column=Column(BigInteger, nullable=nullable))


class OrderRow(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_created", "created_at", "id"),
        Index("ix_orders_updated", "updated_at", "id"),
        Index("ix_orders_total", "total", "id"),
        Index("ix_orders_status_created", "status", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    number: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    external_id: str | None = Field(default=None, index=True, max_length=200)
    status: str = Field(max_length=20)
    payment_status: str = Field(max_length=20, index=True)
    fulfillment_status: str = Field(max_length=20, index=True)
    delivery_status: str = Field(max_length=20)
    custom_status_id: str | None = Field(default=None, index=True, max_length=64)
    currency: str = Field(max_length=3)
    buyer: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    buyer_email: str | None = Field(default=None, index=True, max_length=254)
    buyer_customer_id: str | None = Field(default=None, index=True, max_length=200)
    billing_address: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    shipping_address: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    shipping_title: str | None = Field(default=None, max_length=200)
    shipping_price: int | None = _minor(nullable=True)
    discount: int | None = _minor(nullable=True)
    note: str | None = Field(default=None, sa_column=Column(Text))
    subtotal: int = _minor()
    discount_total: int = _minor()
    shipping_total: int = _minor()
    tax: int = _minor()
    total: int = _minor()
    paid: int = _minor()
    refunded: int = _minor()
    due: int = _minor()
    revision: int
    created_at: datetime = _time()
    updated_at: datetime = _time()
    search_text: str = Field(sa_column=Column(Text, nullable=False))


# Words compare bytewise on both dialects (SQLite's default; PostgreSQL's "C"), so that a prefix is a range.
_WORD = Text().with_variant(Text(collation="C"), "postgresql")


class OrderWordRow(SQLModel, table=True):
    """The words of an order's `search_text`, one row each: free-text search finds an order by the prefix
    of one of its words through this index instead of reading every order's text."""

    __tablename__ = "order_words"
    __table_args__ = (Index("ix_order_words_order", "order_id"),)

    word: str = Field(sa_column=Column(_WORD, primary_key=True))
    order_id: str = Field(foreign_key="orders.id", primary_key=True, max_length=64)


class LineItemRow(SQLModel, table=True):
    __tablename__ = "line_items"

    id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=64)
    position: int
    product_name: str = Field(max_length=200)
    sku: str | None = Field(default=None, max_length=100)
    catalog_item_id: str | None = Field(default=None, max_length=200)
    image_url: str | None = Field(default=None, sa_column=Column(Text))
    quantity: int
    fulfilled_quantity: int = 0
    price: int = _minor()
    discount: int = _minor()
    tax_rate: str = Field(max_length=20)
    tax_amount: int = _minor()
    total_price: int = _minor()


class PaymentRow(SQLModel, table=True):
    __tablename__ = "payments"

    id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=64)
    position: int
    amount: int = _minor()
    refunded_amount: int = _minor()
    method: str = Field(max_length=100)
    status: str = Field(max_length=20)
    provider_transaction_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = _time()
    updated_at: datetime = _time()


class FulfillmentRow(SQLModel, table=True):
    __tablename__ = "fulfillments"

    id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=64)
    position: int
    status: str = Field(max_length=20)
    lines: list[list[Any]] = Field(sa_column=Column(JSON, nullable=False))
    tracking_number: str | None = Field(default=None, index=True, max_length=200)
    shipping_provider: str | None = Field(default=None, max_length=200)
    tracking_link: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _time()
    updated_at: datetime = _time()


class HistoryRow(SQLModel, table=True):
    __tablename__ = "order_history"
    __table_args__ = (Index("ix_order_history_order", "order_id", "revision", "ordinal"),)

    id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(foreign_key="orders.id", max_length=64)
    revision: int
    ordinal: int
    kind: str = Field(max_length=30)
    message: str = Field(sa_column=Column(Text, nullable=False))
    author: str | None = Field(default=None, max_length=200)
    created_at: datetime = _time()


class EventRow(SQLModel, table=True):
    """The durable order event log (an outbox written in each change's transaction)."""

    __tablename__ = "order_events"
    __table_args__ = (
        Index("ix_order_events_order_seq", "order_id", "seq"),
        Index("ix_order_events_type_seq", "type", "seq"),
        {"sqlite_autoincrement": True},
    )

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    order_id: str = Field(max_length=64)
    type: str = Field(max_length=30)
    occurred_at: datetime = _time()
    history_entry_id: str | None = Field(default=None, max_length=64)
    source: str = Field(max_length=20)
    dedup_key: str | None = Field(default=None, unique=True, max_length=300)


class StatusRow(SQLModel, table=True):
    __tablename__ = "order_statuses"

    id: str = Field(primary_key=True, max_length=64)
    position: int = Field(sa_column=Column(Integer, nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    color: str | None = Field(default=None, max_length=7)
    created_at: datetime = _time()


class CounterRow(SQLModel, table=True):
    """Gap-free sequences (order numbers): incremented inside the creating transaction."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=50)
    value: int = Field(sa_column=Column(BigInteger, nullable=False))


class IdempotencyRow(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    key: str = Field(primary_key=True, max_length=300)
    fingerprint: str = Field(max_length=64)
    order_id: str = Field(max_length=64)
    created_at: datetime = _time(index=True)


class ApiKeyRow(SQLModel, table=True):
    """An API key: client name, scopes (space-separated) and the SHA-256 of its secret, never the secret."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    scopes: str = Field(max_length=200)
    secret_hash: str = Field(max_length=64)
    created_at: datetime = _time()
    revoked_at: datetime | None = _time(nullable=True)


class AuditRow(SQLModel, table=True):
    """One executed or refused mutation field: who, what, on which orders, when, and its outcome."""

    __tablename__ = "audit_log"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    at: datetime = _time()
    request_id: str = Field(max_length=64)
    client_name: str = Field(max_length=100)
    key_id: str | None = Field(default=None, max_length=32)
    operation: str = Field(max_length=100)
    order_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    outcome: str = Field(max_length=40)


class UpstreamStateRow(SQLModel, table=True):
    """What an upstream adapter remembers between runs (a poller's position), by source and name."""

    __tablename__ = "upstream_state"

    source: str = Field(primary_key=True, max_length=20)
    name: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = _time()


class RateBucketRow(SQLModel, table=True):
    """A rate-limit bucket shared by the processes on one database: its points and when it held them."""

    __tablename__ = "rate_buckets"

    bucket: str = Field(primary_key=True, max_length=64)
    points: float = Field(sa_column=Column(Float, nullable=False))
    at: datetime = _time()


# The Core tables behind the models, for SQL written with SQLAlchemy Core.
orders_t: Table = OrderRow.__table__  # type: ignore[attr-defined]
words_t: Table = OrderWordRow.__table__  # type: ignore[attr-defined]
lines_t: Table = LineItemRow.__table__  # type: ignore[attr-defined]
payments_t: Table = PaymentRow.__table__  # type: ignore[attr-defined]
fulfillments_t: Table = FulfillmentRow.__table__  # type: ignore[attr-defined]
history_t: Table = HistoryRow.__table__  # type: ignore[attr-defined]
events_t: Table = EventRow.__table__  # type: ignore[attr-defined]
statuses_t: Table = StatusRow.__table__  # type: ignore[attr-defined]
counters_t: Table = CounterRow.__table__  # type: ignore[attr-defined]
idempotency_t: Table = IdempotencyRow.__table__  # type: ignore[attr-defined]
api_keys_t: Table = ApiKeyRow.__table__  # type: ignore[attr-defined]
audit_t: Table = AuditRow.__table__  # type: ignore[attr-defined]
upstream_state_t: Table = UpstreamStateRow.__table__  # type: ignore[attr-defined]
rate_buckets_t: Table = RateBucketRow.__table__  # type: ignore[attr-defined]
