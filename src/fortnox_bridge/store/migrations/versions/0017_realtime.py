"""realtime: offsets per topic of Fortnox's WebSocket stream and the events accepted from it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "realtime_offsets",
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.String(length=200), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("app", "topic"),
    )
    op.create_table(
        "realtime_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("fortnox_tenant_id", sa.Integer(), nullable=False),
        sa.Column("offset", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", when, nullable=False),
        sa.Column("handled_at", when, nullable=True),
        sa.UniqueConstraint("app", "topic", "fortnox_tenant_id", "offset"),
    )
    op.create_index("ix_realtime_events_tenant_id", "realtime_events", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_realtime_events_tenant_id", table_name="realtime_events")
    op.drop_table("realtime_events")
    op.drop_table("realtime_offsets")
