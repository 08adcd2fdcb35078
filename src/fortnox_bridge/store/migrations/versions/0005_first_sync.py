"""first sync: plans of a first synchronization of employees, their items and decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('open', 'applying')")


def upgrade() -> None:
    _create_first_sync_plans()
    _create_first_sync_items()


def _create_first_sync_plans() -> None:
    op.create_table(
        "first_sync_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("apply_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_first_sync_plans_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_first_sync_plans")),
    )
    with op.batch_alter_table("first_sync_plans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_first_sync_plans_tenant", ["tenant_id", "entity_type", "id"], unique=False
        )
        batch_op.create_index(
            "uq_first_sync_plans_active",
            ["tenant_id", "entity_type"],
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )


def _create_first_sync_items() -> None:
    op.create_table(
        "first_sync_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=15), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("fortnox_id", sa.String(length=100), nullable=True),
        sa.Column("matched_by", sa.String(length=20), nullable=True),
        sa.Column("label", sa.String(length=400), nullable=False),
        sa.Column("host", sa.JSON(), nullable=False),
        sa.Column("fortnox", sa.JSON(), nullable=False),
        sa.Column("differences", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["first_sync_plans.id"],
            name=op.f("fk_first_sync_items_plan_id_first_sync_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_first_sync_items")),
    )
    with op.batch_alter_table("first_sync_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_first_sync_items_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("first_sync_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_first_sync_items_plan_id"))
    op.drop_table("first_sync_items")
    with op.batch_alter_table("first_sync_plans", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_first_sync_plans_active", sqlite_where=ACTIVE, postgresql_where=ACTIVE
        )
        batch_op.drop_index("ix_first_sync_plans_tenant")
    op.drop_table("first_sync_plans")
