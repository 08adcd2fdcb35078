"""no receiver bodies: the delivery log keeps no part of a webhook receiver's answer

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-14 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # What receivers answered may hold an internal service's data: it goes, and is not kept again.
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_column("response_excerpt")


def downgrade() -> None:
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("response_excerpt", sa.Text(), nullable=False, server_default="")
        )
