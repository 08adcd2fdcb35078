"""The migration that adds a tenant's flow families, on SQLite and PostgreSQL: every tenant
keeps the hr and payroll families, and one that had turned on a projects flow gets that family
too, so what ran before runs after."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from fortnox_bridge.store.db import alembic_config, open_engine


def test_existing_tenants_keep_their_flows_and_new_ones_get_hr_and_payroll(db_url: str) -> None:
    engine = open_engine(db_url)
    config = alembic_config(engine)
    command.upgrade(config, "0012")
    with engine.begin() as connection:
        for tenant_id, name in ((1, "Lön AB"), (2, "Bygg AB"), (3, "Provbygg AB")):
            connection.execute(
                text("INSERT INTO tenants (id, name, created_at) VALUES (:id, :name, :now)"),
                {"id": tenant_id, "name": name, "now": "2026-12-01 10:00:00"},
            )
        for tenant_id, flow, enabled in (
            (1, "hr.employee.push", True),
            (2, "projects.construction_project.push", True),
            (3, "projects.construction_project.push", False),
        ):
            connection.execute(
                text(
                    "INSERT INTO flow_configs (tenant_id, flow, enabled, settings, updated_at) "
                    "VALUES (:tenant, :flow, :enabled, '{}', :now)"
                ),
                {"tenant": tenant_id, "flow": flow, "enabled": enabled, "now": "2026-12-01"},
            )
    command.upgrade(config, "head")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO tenants (id, name, created_at) VALUES (4, 'Ny AB', :now)"),
            {"now": "2026-12-02 10:00:00"},
        )
        rows = connection.execute(text("SELECT id, families FROM tenants ORDER BY id")).all()
    engine.dispose()
    families = {row[0]: row[1] if isinstance(row[1], list) else json.loads(row[1]) for row in rows}
    assert families == {
        1: ["hr", "payroll"],
        2: ["hr", "payroll", "projects"],
        3: ["hr", "payroll"],
        4: ["hr", "payroll"],
    }
