"""What each sweep, push, re-sync and repair of a tenant did: the runs, their items and
progress, and cancelling a re-sync."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock, SystemClock
from fortnox_bridge.engine.sync.recording import end_stale_runs
from fortnox_bridge.services.errors import Conflict, NotFound
from fortnox_bridge.services.paging import keyset
from fortnox_bridge.store.models import Run, RunItem
from fortnox_bridge.store.runs import RunRepository

__all__ = ["Run", "RunItem", "RunService"]


class RunService:
    """Reads tenants' runs and asks re-syncs to stop.

    Before it reads a tenant's runs it closes the sweeps and pushes still marked ``running``
    whose process is gone (``engine/sync/recording.py``: :func:`end_stale_runs`)."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock | None = None) -> None:
        self.sessions = sessions
        self.clock = clock or SystemClock()

    def end_stale(self, tenant_id: int | None = None) -> list[int]:
        """Close the tenant's (every tenant's) stale running sweeps and pushes as
        ``interrupted``; returns their ids."""
        with self.sessions.begin() as session:
            return end_stale_runs(session, self.clock.now(), tenant_id)

    def page(
        self, tenant_id: int, kind: str | None, *, limit: int, cursor: str | None
    ) -> tuple[list[Run], str | None]:
        """One page of the tenant's runs (of ``kind`` only, when given), newest first."""
        self.end_stale(tenant_id)
        query = select(Run).where(Run.tenant_id == tenant_id)
        if kind is not None:
            query = query.where(Run.kind == kind)
        with self.sessions.begin() as session:
            return keyset(session, query, Run.id, limit=limit, cursor=cursor, newest_first=True)

    def latest(self, tenant_id: int, *, kind: str | None = None, limit: int = 5) -> list[Run]:
        """The tenant's latest runs, newest first."""
        self.end_stale(tenant_id)
        with self.sessions.begin() as session:
            return list(RunRepository(session).latest(tenant_id, kind=kind, limit=limit))

    def get(self, tenant_id: int, run_id: int) -> Run:
        """The tenant's run; 404 otherwise (another tenant's too)."""
        self.end_stale(tenant_id)
        with self.sessions.begin() as session:
            return _run(session, tenant_id, run_id)

    def items(
        self, tenant_id: int, run_id: int, *, limit: int, cursor: str | None
    ) -> tuple[list[RunItem], str | None]:
        """One page of what the run did with each record, in order."""
        with self.sessions.begin() as session:
            _run(session, tenant_id, run_id)
            query = select(RunItem).where(RunItem.run_id == run_id)
            return keyset(session, query, RunItem.id, limit=limit, cursor=cursor)

    def started_since(self, tenant_id: int, since: datetime) -> list[Run]:
        """The tenant's runs that started at ``since`` or later."""
        query = select(Run).where(Run.tenant_id == tenant_id, Run.started_at >= since)
        with self.sessions.begin() as session:
            return list(session.scalars(query).all())

    def items_of(
        self, tenant_id: int, run_id: int, *, outcome: str | None, limit: int
    ) -> tuple[Run, list[RunItem]]:
        """The run and its first ``limit`` items, in order; ``outcome``: only the items created,
        updated, deleted, skipped or failed."""
        self.end_stale(tenant_id)
        with self.sessions.begin() as session:
            run = _run(session, tenant_id, run_id)
            query = select(RunItem).where(RunItem.run_id == run.id)
            if outcome is not None:
                query = query.where(_item_filter(outcome))
            return run, list(session.scalars(query.order_by(RunItem.id).limit(limit)))

    def cancel(self, tenant_id: int, run_id: int) -> Run:
        """Ask a re-sync to stop after the record it is writing (409 for anything else)."""
        with self.sessions.begin() as session:
            run = _run(session, tenant_id, run_id)
            if run.kind != "resync" or run.status not in ("running", "interrupted"):
                raise Conflict(
                    f"run {run_id} is a {run.kind} that is {run.status}: nothing to cancel",
                    code="not_cancellable",
                )
            run.cancel_requested = True
            return run


def _item_filter(outcome: str) -> ColumnElement[bool]:
    if outcome in ("skipped", "failed"):
        return RunItem.outcome == outcome
    action = {"created": "create", "updated": "update", "deleted": "delete"}[outcome]
    return (RunItem.action == action) & (RunItem.outcome == "ok")


def _run(session: Session, tenant_id: int, run_id: int) -> Run:
    run = RunRepository(session).get(run_id) if 0 < run_id < 2**31 else None
    if run is None or run.tenant_id != tenant_id:
        raise NotFound(f"no run {run_id}")
    return run
