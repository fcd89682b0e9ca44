"""The inbox's keys recognise a message delivered again; the older table of handled
message ids is no longer written.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("inbound_messages")


def downgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
