"""order event indexes for filtered reads of the log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index("ix_order_events_order_id")
        batch_op.create_index("ix_order_events_order_seq", ["order_id", "seq"], unique=False)
        batch_op.create_index("ix_order_events_type_seq", ["type", "seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index("ix_order_events_type_seq")
        batch_op.drop_index("ix_order_events_order_seq")
        batch_op.create_index("ix_order_events_order_id", ["order_id"], unique=False)
