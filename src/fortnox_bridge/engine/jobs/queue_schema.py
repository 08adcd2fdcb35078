"""The distributed mode's tables in PostgreSQL: made once beside the store's (procrastinate owns
them, outside the store's migrations), and their statistics kept fresh."""

from __future__ import annotations

from typing import Any, cast

import psycopg
from procrastinate.schema import SchemaManager
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from fortnox_bridge.engine.errors import EngineError

#: The key of the advisory lock that lets one process at a time create the queue's tables.
SCHEMA_LOCK = 0x466E_4272_5153_0001


def libpq_url(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(engine: Engine) -> bool:
    """Create procrastinate's tables, types and functions unless they exist; ``True`` if made.

    They live beside the store's tables but outside its migrations (procrastinate owns them);
    concurrent starts wait for each other on an advisory lock.
    """
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar():
            if not connection.execute(text("SELECT to_regclass('procrastinate_workers')")).scalar():
                raise EngineError(
                    "the job queue's tables in PostgreSQL were made by an older procrastinate: "
                    "apply procrastinate's migrations (see its documentation) or drop the "
                    "procrastinate_* tables while no job waits"
                )
            return False
        raw = cast(psycopg.Connection[Any], connection.connection.driver_connection)
        raw.execute(SchemaManager.get_schema())  # several statements: the simple protocol
        return True


def analyze_jobs(session: Session) -> None:
    """Refresh PostgreSQL's statistics of the job table, in ``session``'s transaction (they
    count its own new jobs and take effect with them when it commits).

    The table is often empty and then receives a minute's sweeps at once. Planned with the
    statistics of an empty table, procrastinate's fetch reads every waiting job and looks up its
    lock, then sorts them, instead of taking the first one from its index: 100 ms per fetched
    job with 1,000 waiting, on every fetch until autovacuum analyzes the table (a minute or
    more). ``ANALYZE`` of the small table takes milliseconds. A role that does not own the table
    gets a warning from PostgreSQL and the old statistics."""
    session.execute(text("ANALYZE procrastinate_jobs"))
