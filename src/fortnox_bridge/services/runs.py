"""What each sweep, push, re-sync and repair of a tenant did: the runs, their items and
progress, and cancelling a re-sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock, SystemClock
from fortnox_bridge.engine.sync.recording import end_stale_runs
from fortnox_bridge.services.errors import Conflict, NotFound
from fortnox_bridge.services.paging import keyset
from fortnox_bridge.store.models import Run, RunItem
from fortnox_bridge.store.runs import RunRepository

__all__ = ["ItemPage", "Run", "RunItem", "RunPage", "RunService"]


@dataclass(frozen=True)
class RunPage:
    """One page of a tenant's runs: the runs, how many match in all, the page shown (from 1)
    and how many pages there are (at least one)."""

    runs: list[Run]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class ItemPage:
    """One page of a run's items, like :class:`RunPage`, with the run."""

    run: Run
    items: list[RunItem]
    total: int
    page: int
    pages: int


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

    def runs_page(
        self,
        tenant_id: int,
        *,
        kind: str | None = None,
        status: str | None = None,
        flow: str | None = None,
        page: int = 1,
        per_page: int = 25,
    ) -> RunPage:
        """Page ``page`` (from 1; past the end: the last) of the tenant's runs, newest first,
        matching every filter given (``flow``: runs of that flow or that touched its records)."""
        self.end_stale(tenant_id)
        with self.sessions.begin() as session:
            found = RunRepository(session).runs_page(
                tenant_id, kind=kind, status=status, flow=flow, page=page, per_page=per_page
            )
            return RunPage(found.rows, found.total, found.page, found.pages)

    def item_page(
        self,
        tenant_id: int,
        run_id: int,
        *,
        outcome: str | None = None,
        record: str | None = None,
        page: int = 1,
        per_page: int = 100,
    ) -> ItemPage:
        """The run and page ``page`` of its items in order; ``outcome``: only the items
        created, updated, deleted, skipped or failed; ``record``: only those whose external id,
        reference or Fortnox id holds that text. 404 for another tenant's run."""
        self.end_stale(tenant_id)
        with self.sessions.begin() as session:
            run = _run(session, tenant_id, run_id)
            found = RunRepository(session).items_page(
                run.id, outcome=outcome, record=record, page=page, per_page=per_page
            )
            return ItemPage(run, found.rows, found.total, found.page, found.pages)

    def flows_run(self, tenant_id: int) -> list[str]:
        """The flows the tenant's runs name or touched (the runs list's flow filter)."""
        with self.sessions.begin() as session:
            return RunRepository(session).flows_of(tenant_id)

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


def _run(session: Session, tenant_id: int, run_id: int) -> Run:
    run = RunRepository(session).get(run_id) if 0 < run_id < 2**31 else None
    if run is None or run.tenant_id != tenant_id:
        raise NotFound(f"no run {run_id}")
    return run
