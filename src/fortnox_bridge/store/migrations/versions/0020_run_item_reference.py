"""run item reference: the record as a person reads it, beside its external id

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: the items of older runs have none, and the pages fall back to the external id.
    with op.batch_alter_table("run_items") as batch:
        batch.add_column(sa.Column("reference", sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_items") as batch:
        batch.drop_column("reference")
