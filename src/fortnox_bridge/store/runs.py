"""Runs and their items: what each sweep, push, re-sync and repair did."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, update
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
    #: The record as a person reads it (the flow's reference), if the flow gave one.
    reference: str | None = None


#: What an item filter by outcome means: the log keeps ``ok`` with the action that was done.
_DONE = {"created": "create", "updated": "update", "deleted": "delete"}


def item_outcome_filter(outcome: str) -> ColumnElement[bool]:
    """Items that were ``created``, ``updated``, ``deleted``, ``skipped`` or ``failed``."""
    if outcome in _DONE:
        return and_(RunItem.action == _DONE[outcome], RunItem.outcome == "ok")
    return RunItem.outcome == outcome


@dataclass(frozen=True)
class Page:
    """One page of rows: the rows, how many match in all, the page shown (from 1, kept within
    the pages) and how many pages there are (at least one)."""

    rows: list[Any]
    total: int
    page: int
    pages: int


def _page(session: Session, query: Select[Any], order: Any, page: int, per_page: int) -> Page:
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = session.scalars(query.order_by(order).offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, pages)


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
                reference=item.reference[:400] if item.reference else None,
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

    def runs_page(
        self,
        tenant_id: int,
        *,
        kind: str | None = None,
        status: str | None = None,
        flow: str | None = None,
        page: int = 1,
        per_page: int = 25,
    ) -> Page:
        """Page ``page`` of the tenant's runs matching every filter given, newest first
        (past the last page: the last). ``flow``: runs of that flow, or that did
        something with one of its records (a sweep runs every flow)."""
        query = select(Run).where(Run.tenant_id == tenant_id)
        if kind is not None:
            query = query.where(Run.kind == kind)
        if status is not None:
            query = query.where(Run.status == status)
        if flow is not None:
            touched = exists().where(RunItem.run_id == Run.id, RunItem.flow == flow)
            query = query.where(or_(Run.flow == flow, touched))
        return _page(self.session, query, Run.id.desc(), page, per_page)

    def items_page(
        self,
        run_id: int,
        *,
        outcome: str | None = None,
        record: str | None = None,
        page: int = 1,
        per_page: int = 100,
    ) -> Page:
        """Page ``page`` of a run's items in order (past the last page: the last).
        ``outcome``: see :func:`item_outcome_filter`; ``record``: text found (any case) in the
        item's external id, reference or Fortnox id."""
        query = select(RunItem).where(RunItem.run_id == run_id)
        if outcome is not None:
            query = query.where(item_outcome_filter(outcome))
        if record:
            needle = record.lower()
            query = query.where(
                or_(
                    *(
                        func.lower(column).contains(needle, autoescape=True)
                        for column in (RunItem.external_id, RunItem.reference, RunItem.fortnox_id)
                    )
                )
            )
        return _page(self.session, query, RunItem.id, page, per_page)

    def flows_of(self, tenant_id: int) -> list[str]:
        """Every flow the tenant's runs name or did something with, sorted."""
        named = select(Run.flow).where(Run.tenant_id == tenant_id, Run.flow.is_not(None))
        touched = (
            select(RunItem.flow)
            .join(Run, Run.id == RunItem.run_id)
            .where(Run.tenant_id == tenant_id)
            .distinct()
        )
        found = set(self.session.scalars(named.distinct())) | set(self.session.scalars(touched))
        return sorted(name for name in found if name)
