"""free-text index of order words

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WORD_LENGTH = 64
BATCH = 5000


def upgrade() -> None:
    word = sa.String(WORD_LENGTH).with_variant(sa.String(WORD_LENGTH, collation="C"), "postgresql")
    words = op.create_table(
        "order_words",
        sa.Column("word", word, nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("word", "order_id"),
    )
    op.create_index("ix_order_words_order_id", "order_words", ["order_id"])
    # The orders there are already: their search_text holds the words, space-separated.
    orders = sa.table("orders", sa.column("id", sa.String), sa.column("search_text", sa.Text))
    conn = op.get_bind()
    rows: list[dict[str, str]] = []
    for order_id, text in conn.execute(sa.select(orders.c.id, orders.c.search_text)):
        rows += [
            {"word": w, "order_id": order_id} for w in dict.fromkeys(x[:WORD_LENGTH] for x in text.split())
        ]
        if len(rows) >= BATCH:
            conn.execute(sa.insert(words), rows)
            rows = []
    if rows:
        conn.execute(sa.insert(words), rows)


def downgrade() -> None:
    op.drop_index("ix_order_words_order_id", table_name="order_words")
    op.drop_table("order_words")
