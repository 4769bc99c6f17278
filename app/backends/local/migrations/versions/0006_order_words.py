"""order words, for indexed free-text search; the count of orders

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

BATCH = 1000


def upgrade() -> None:
    word = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    words = op.create_table(
        "order_words",
        sa.Column("word", word, nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("word", "order_id"),
    )
    op.create_index("ix_order_words_order", "order_words", ["order_id"], unique=False)
    # The words of the orders already stored: those of their search text, a batch of orders at a time.
    conn = op.get_bind()
    page = sa.text("SELECT id, search_text FROM orders WHERE id > :after ORDER BY id LIMIT :n")
    after = ""
    while rows := conn.execute(page, {"after": after, "n": BATCH}).all():
        op.bulk_insert(
            words,
            [
                {"word": w, "order_id": order_id}
                for order_id, text in rows
                for w in dict.fromkeys(text.split())
            ],
        )
        after = rows[-1][0]
    # Counting every order reads this counter, which each insert keeps (app/backends/local/queries.py).
    conn.execute(
        sa.text(
            "INSERT INTO counters (name, value) SELECT 'orders', count(*) FROM orders WHERE EXISTS "
            "(SELECT 1 FROM orders)"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_order_words_order", table_name="order_words")
    op.drop_table("order_words")
