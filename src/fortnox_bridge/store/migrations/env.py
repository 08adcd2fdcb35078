"""Alembic environment: runs on the engine handed over by ``store.db.migrate``.

From a shell (``alembic -c alembic.ini ...`` at the repository root) the URL comes from
``FORTNOX_BRIDGE_DATABASE_URL`` or the default SQLite file under ``./var/``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, Engine

from fortnox_bridge.store.db import open_engine
from fortnox_bridge.store.models import Base

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    given = config.attributes.get("engine")
    if given is not None:
        return given  # type: ignore[no-any-return]
    url = os.environ.get("FORTNOX_BRIDGE_DATABASE_URL", "sqlite:///var/fortnox-bridge.sqlite")
    return open_engine(url)


def _ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate compares the store's tables only: the job queue of the distributed mode
    (``procrastinate_*``) shares the database but is created by procrastinate."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def run_migrations_online() -> None:
    """Run every pending migration in one transaction."""
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A change SQLite cannot make in place copies the table and drops the old one;
            # with foreign keys enforced, that drop would delete every row referring to it
            # (ON DELETE CASCADE). They are checked after the migrations instead. The pragma
            # only takes effect outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            _migrate(connection, sqlite=sqlite)
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _migrate(connection: Connection, *, sqlite: bool) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        include_name=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"a migration left rows without their parent row: {broken}")
    connection.commit()


run_migrations_online()
