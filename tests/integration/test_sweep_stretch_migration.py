"""Migration 0018 on SQLite and PostgreSQL: existing tenants get a sweep factor of 4, the
stream health table comes, and both go again cleanly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from fortnox_bridge.store.db import alembic_config, open_engine


def test_the_sweep_factor_and_the_stream_health_come_and_go(db_url: str) -> None:
    engine = open_engine(db_url)
    config = alembic_config(engine)
    command.upgrade(config, "0017")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tenants (name, conflict_policy, sweep_interval_minutes, digest, "
                "problem_mail, notify_emails, event_seq, created_at) VALUES ('Bygg AB', 'ask', "
                "30, 'daily', 'digest', '[]', 0, '2026-03-01 12:00:00')"
            )
        )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        factor = connection.execute(text("SELECT realtime_sweep_factor FROM tenants")).scalar_one()
    assert factor == 4
    assert "stream_health" in inspect(engine).get_table_names()
    command.downgrade(config, "0017")
    assert "realtime_sweep_factor" not in {
        c["name"] for c in inspect(engine).get_columns("tenants")
    }
    assert "stream_health" not in inspect(engine).get_table_names()
    command.upgrade(config, "head")
    engine.dispose()
