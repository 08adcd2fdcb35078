"""The distributed mode's tables in PostgreSQL: made once beside the store's (procrastinate owns
them, outside the store's migrations), and their statistics kept fresh."""

from __future__ import annotations

from typing import Any, cast

import psycopg
from procrastinate.schema import SchemaManager
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session

from fortnox_bridge.engine.errors import EngineError

#: The key of the advisory lock that lets one process at a time create the queue's tables.
SCHEMA_LOCK = 0x466E_4272_5153_0001


def libpq_url(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


#: Wakes the workers when a job ends while another job of its lock (its tenant) waits.
#: procrastinate notifies the workers only when a job is queued; a tenant's next job, queued
#: while the previous one ran, would otherwise start at a worker's next poll of the table
#: (``queue_poll_seconds``) instead of at once. The notification is the one procrastinate sends
#: for a new job, sent when the ending job's transaction commits, that is once its lock is free.
HANDOVER = "fortnox_bridge_lock_handover"
HANDOVER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {HANDOVER}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    waiting RECORD;
    payload TEXT;
BEGIN
    SELECT id, queue_name INTO waiting FROM procrastinate_jobs
        WHERE lock = OLD.lock AND status = 'todo'
        ORDER BY priority DESC, id LIMIT 1;
    IF FOUND THEN
        payload := json_build_object('type', 'job_inserted', 'job_id', waiting.id)::text;
        PERFORM pg_notify('procrastinate_queue_v1#' || waiting.queue_name, payload);
        PERFORM pg_notify('procrastinate_any_queue_v1', payload);
    END IF;
    RETURN NULL;
END;
$$
"""
#: The triggers that call it (made when missing: making one locks the job table).
HANDOVER_TRIGGERS = {
    "fortnox_bridge_job_deleted": "AFTER DELETE ON procrastinate_jobs FOR EACH ROW "
    "WHEN (OLD.status = 'doing' AND OLD.lock IS NOT NULL)",
    "fortnox_bridge_job_ended": "AFTER UPDATE OF status ON procrastinate_jobs FOR EACH ROW "
    "WHEN (OLD.status = 'doing' AND NEW.status <> 'doing' AND OLD.lock IS NOT NULL)",
}


def ensure_schema(engine: Engine) -> bool:
    """Create procrastinate's tables, types and functions unless they exist; ``True`` if made.

    They live beside the store's tables but outside its migrations (procrastinate owns them);
    concurrent starts wait for each other on an advisory lock. The bridge's own triggers
    (:data:`HANDOVER_FUNCTION`) are made when missing, its function on every start.
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
            made = False
        else:
            raw = cast(psycopg.Connection[Any], connection.connection.driver_connection)
            raw.execute(SchemaManager.get_schema())  # several statements: the simple protocol
            made = True
        _ensure_handover(connection)
        return made


def _ensure_handover(connection: Connection) -> None:
    """(Re)make the handover function; make its triggers when missing."""
    connection.execute(text(HANDOVER_FUNCTION))
    present = set(
        connection.execute(
            text("SELECT tgname FROM pg_trigger WHERE tgname = ANY(:names)"),
            {"names": list(HANDOVER_TRIGGERS)},
        ).scalars()
    )
    for name, when in HANDOVER_TRIGGERS.items():
        if name not in present:
            connection.execute(text(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {HANDOVER}()"))


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
