"""indexes for the customer and tracking number filters

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 05:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("buyer_customer_id", sa.String(length=200), nullable=True))
    op.create_index("ix_orders_buyer_customer_id", "orders", ["buyer_customer_id"])
    op.create_index("ix_fulfillments_tracking_number", "fulfillments", ["tracking_number"])
    # The customer id of the orders there are already sits in their buyer JSON.
    orders = sa.table(
        "orders",
        sa.column("id", sa.String),
        sa.column("buyer", sa.JSON),
        sa.column("buyer_customer_id", sa.String),
    )
    conn = op.get_bind()
    found = [
        {"_id": order_id, "customer": buyer["customer_id"]}
        for order_id, buyer in conn.execute(sa.select(orders.c.id, orders.c.buyer))
        if buyer and buyer.get("customer_id")
    ]
    update = (
        orders.update()
        .where(orders.c.id == sa.bindparam("_id"))
        .values(buyer_customer_id=sa.bindparam("customer"))
    )
    for start in range(0, len(found), BATCH):
        conn.execute(update, found[start : start + BATCH])


def downgrade() -> None:
    op.drop_index("ix_fulfillments_tracking_number", table_name="fulfillments")
    op.drop_index("ix_orders_buyer_customer_id", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("buyer_customer_id")
