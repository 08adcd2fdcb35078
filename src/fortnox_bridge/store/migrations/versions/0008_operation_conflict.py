"""operation conflict: the conflict that holds back a host change

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_operations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conflict_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_operations", schema=None) as batch_op:
        batch_op.drop_column("conflict_id")
