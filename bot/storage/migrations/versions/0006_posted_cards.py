"""Ticket cards as posted, so that they can be rewritten in place when the ticket changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 23:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posted_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("ticket", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("notice", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_posted_cards_ticket", "posted_cards", ["org", "ticket"])


def downgrade() -> None:
    op.drop_index("ix_posted_cards_ticket", table_name="posted_cards")
    op.drop_table("posted_cards")
