"""Alembic environment: runs on the engine handed over by ``store.db.migrate``.

From a shell (``alembic -c alembic.ini ...`` at the repository root) the URL comes from
``FORTNOX_BRIDGE_DATABASE_URL`` or the default SQLite file under ``./var/``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Engine

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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=_ours,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
