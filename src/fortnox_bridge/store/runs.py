"""Runs and their items: what each sweep, push, re-sync and repair did."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Run, RunItem


@dataclass(frozen=True)
class ItemRecord:
    """One line of a run's item log."""

    flow: str
    external_id: str
    action: str
    outcome: str
    reason: str = ""
    fortnox_id: str | None = None
    code: int | None = None


class RunRepository:
    """Reads and writes runs within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def start(
        self,
        tenant_id: int,
        kind: str,
        *,
        now: datetime,
        flow: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Run:
        """A new run in ``running``."""
        run = Run(
            tenant_id=tenant_id,
            kind=kind,
            flow=flow,
            status="running",
            started_at=now,
            counts={},
            requests=0,
            params=params or {},
            progress_done=0,
            progress_total=0,
            cancel_requested=False,
        )
        self.session.add(run)
        self.session.flush()
        return run

    def get(self, run_id: int) -> Run | None:
        """One run by id."""
        return self.session.get(Run, run_id)

    def finish(
        self,
        run_id: int,
        status: str,
        *,
        now: datetime,
        counts: dict[str, Any],
        requests: int,
        error: str | None = None,
    ) -> None:
        """Close a run with its status and counts."""
        self.session.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(status=status, finished_at=now, counts=counts, requests=requests, error=error)
        )

    def add_items(self, run_id: int, items: Iterable[ItemRecord]) -> None:
        """Append item lines to a run."""
        self.session.add_all(
            RunItem(
                run_id=run_id,
                flow=item.flow,
                external_id=item.external_id,
                action=item.action,
                outcome=item.outcome,
                reason=item.reason,
                fortnox_id=item.fortnox_id,
                code=item.code,
            )
            for item in items
        )
        self.session.flush()

    def items(self, run_id: int) -> list[RunItem]:
        """The item lines of a run, in order."""
        return list(
            self.session.scalars(
                select(RunItem).where(RunItem.run_id == run_id).order_by(RunItem.id)
            )
        )

    def latest(self, tenant_id: int, *, kind: str | None = None, limit: int = 10) -> list[Run]:
        """The newest runs of a tenant, newest first."""
        query = select(Run).where(Run.tenant_id == tenant_id)
        if kind is not None:
            query = query.where(Run.kind == kind)
        return list(self.session.scalars(query.order_by(Run.id.desc()).limit(limit)))

    def unfinished_resync(self, tenant_id: int, flow: str) -> Run | None:
        """A re-sync of ``flow`` that was cancelled, interrupted or is still marked running."""
        return self.session.scalars(
            select(Run)
            .where(
                Run.tenant_id == tenant_id,
                Run.kind == "resync",
                Run.flow == flow,
                Run.status.in_(("running", "interrupted", "cancelled")),
            )
            .order_by(Run.id.desc())
        ).first()
