"""refusal hold: a write Fortnox refused is not sent again while nothing that decides it changed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("refused_config", sa.String(length=64), nullable=True))
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refusal_retry_hours", sa.Integer(), nullable=False, server_default="24")
        )


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("refusal_retry_hours")
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.drop_column("refused_config")
        batch_op.drop_column("refused_version")
