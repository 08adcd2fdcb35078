"""sweep stretch: sweeps less often while the stream of Fortnox's topics is healthy

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("realtime_sweep_factor", sa.Integer(), nullable=False, server_default="4")
        )
    op.create_table(
        "stream_health",
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
    )


def downgrade() -> None:
    op.drop_table("stream_health")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("realtime_sweep_factor")
