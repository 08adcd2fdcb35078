"""families: the flow families a tenant uses (hr and payroll until it chooses)

A tenant that already turned on a flow of the projects family gets that family too, so every
flow that ran before the migration runs after it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-17 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("families", sa.JSON(), nullable=False, server_default='["hr", "payroll"]')
        )
    tenants = sa.table("tenants", sa.column("id", sa.Integer()), sa.column("families", sa.JSON()))
    configs = sa.table(
        "flow_configs",
        sa.column("tenant_id", sa.Integer()),
        sa.column("flow", sa.String()),
        sa.column("enabled", sa.Boolean()),
    )
    using_projects = sa.select(configs.c.tenant_id).where(
        configs.c.flow.like("projects.%"), configs.c.enabled.is_(True)
    )
    op.get_bind().execute(
        tenants.update()
        .where(tenants.c.id.in_(using_projects))
        .values(families=["hr", "payroll", "projects"])
    )


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("families")
