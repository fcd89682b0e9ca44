"""The dashboard: one-time sign-in links, browser sessions, and the indexes its pages need.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_tickets_org_created", "tickets", ["org", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_org_created", table_name="tickets")
    op.drop_table("dashboard_sessions")
    op.drop_table("dashboard_links")
