"""unique host values: one row per unique field value of a live host record

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:00:00

The table is filled from the live mirror records. Records that already share a value (written by
two requests at the same moment before this table existed) do not stop the upgrade: the oldest
record keeps the value, the others are left out of the table for that field, and each one is
logged as a warning naming both records, so someone can give one of them another value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from fortnox_bridge.store.unique import email_value, phone_value, text_value

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("fortnox_bridge.store.migrations")

#: The unique fields when this migration was written (a later change fills the table anew).
FIELDS: dict[str, tuple[tuple[str, Callable[[Any], str | None]], ...]] = {
    "employee": (("email", email_value), ("phone", phone_value), ("employment_id", text_value)),
}
#: Rows inserted per statement.
CHUNK = 1000

_mirror = sa.table(
    "mirror_records",
    sa.column("id", sa.Integer()),
    sa.column("tenant_id", sa.Integer()),
    sa.column("entity_type", sa.String()),
    sa.column("external_id", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("deleted", sa.Boolean()),
)
_values = sa.table(
    "unique_values",
    sa.column("tenant_id", sa.Integer()),
    sa.column("entity_type", sa.String()),
    sa.column("field", sa.String()),
    sa.column("value", sa.String()),
    sa.column("external_id", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "unique_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_unique_values_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unique_values")),
        sa.UniqueConstraint(
            "tenant_id", "entity_type", "field", "value", name=op.f("uq_unique_values_tenant_id")
        ),
    )
    with op.batch_alter_table("unique_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_unique_values_holder", ["tenant_id", "entity_type", "external_id"], unique=False
        )
    fill(op.get_bind())


def fill(connection: sa.Connection) -> None:
    """One row per unique value of each live record; the oldest record keeps a shared value."""
    rows: list[dict[str, Any]] = []
    holders: dict[tuple[int, str, str, str], str] = {}
    records = connection.execute(
        sa.select(
            _mirror.c.tenant_id, _mirror.c.entity_type, _mirror.c.external_id, _mirror.c.payload
        )
        .where(_mirror.c.entity_type.in_(sorted(FIELDS)), _mirror.c.deleted.is_(False))
        .order_by(_mirror.c.id)
    )
    for tenant_id, entity_type, external_id, payload in records:
        for name, normalise in FIELDS[entity_type]:
            raw = payload.get(name) if isinstance(payload, dict) else None
            value = normalise(raw)
            if value is None:
                continue
            key = (tenant_id, entity_type, name, value)
            holder = holders.setdefault(key, external_id)
            if holder != external_id:
                label = entity_type.replace("_", " ")
                log.warning(
                    "tenant %s: %s %r has the %s %r of %s %r; %r keeps it and %r is left out of "
                    "the unique values until one of them gets another %s",
                    tenant_id,
                    label,
                    external_id,
                    name,
                    raw,
                    label,
                    holder,
                    holder,
                    external_id,
                    name,
                )
                continue
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "entity_type": entity_type,
                    "field": name,
                    "value": value,
                    "external_id": external_id,
                }
            )
    for start in range(0, len(rows), CHUNK):
        connection.execute(sa.insert(_values), rows[start : start + CHUNK])


def downgrade() -> None:
    with op.batch_alter_table("unique_values", schema=None) as batch_op:
        batch_op.drop_index("ix_unique_values_holder")
    op.drop_table("unique_values")
