"""Migration 0015 on SQLite and PostgreSQL: existing tenants get a retry time of 24 hours,
existing problems hold nothing back, and it goes down again cleanly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from fortnox_bridge.store.db import alembic_config, open_engine


def test_the_refusal_columns_come_with_defaults_and_go_again(db_url: str) -> None:
    engine = open_engine(db_url)
    config = alembic_config(engine)
    command.upgrade(config, "0014")
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
        hours = connection.execute(text("SELECT refusal_retry_hours FROM tenants")).scalar_one()
    assert hours == 24
    problems = {c["name"] for c in inspect(engine).get_columns("problems")}
    assert {"refused_version", "refused_config"} <= problems
    command.downgrade(config, "0014")
    assert "refusal_retry_hours" not in {c["name"] for c in inspect(engine).get_columns("tenants")}
    assert "refused_version" not in {c["name"] for c in inspect(engine).get_columns("problems")}
    command.upgrade(config, "head")
    engine.dispose()
