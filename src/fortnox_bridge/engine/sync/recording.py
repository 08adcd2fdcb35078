"""Keeping what a run did: the run row, its item log, the de-duplicated problems, the status
of the host changes it carried (change operations, see ``change_status.py``) and when each flow
last synced without a failure.

A sweep or push shows itself while it runs (:class:`LiveRun`): its row is opened in ``running``
when it first does something and its progress and counts move as records and flows finish. The
row names the job that runs it (the tenant's writer, see ``engine/tenancy/writer.py``);
:func:`end_stale_runs` closes as ``interrupted`` a ``running`` row whose job no longer holds the
tenant's writer, so a run whose process died does not stay ``running``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.base import Builder
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome, RunSummary
from fortnox_bridge.engine.sync.change_status import settle_after_run, settle_built_from
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.engine.tenancy.workers import abandoned
from fortnox_bridge.engine.tenancy.writer import lease_name
from fortnox_bridge.store.flow_syncs import FlowSyncRepository
from fortnox_bridge.store.leases import LeaseRepository
from fortnox_bridge.store.models import Run
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository

if TYPE_CHECKING:
    from fortnox_bridge.engine.flow.sources import ClientSource


class RunRecorder:
    """Writes runs, run items and problems for one tenant."""

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope

    def start(self, kind: str, *, flow: str | None = None) -> int:
        """Open a run row; returns its id."""
        with self.scope.sessions.begin() as session:
            return (
                RunRepository(session)
                .start(self.scope.tenant_id, kind, now=self.scope.clock.now(), flow=flow)
                .id
            )

    def finish(
        self, summary: RunSummary, kind: str = "sweep", builders: Sequence[Builder] = ()
    ) -> None:
        """Keep the run (unless it did nothing at all), its item log and its problems, and
        settle the host changes it decided, in one transaction.

        The row of a run that sent a request, touched a record or failed is closed here (opened
        while it ran by :class:`LiveRun`, or now); a row opened for a run that in the end did
        nothing is deleted. Problems seen for the first time are added to
        ``summary.new_problems``.
        """
        busy = summary.requests or summary.error or any(r.items for r in summary.flows)
        with self.scope.sessions.begin() as session:
            if summary.run_id is not None and not busy:
                # Opened while it ran, yet in the end it did nothing: leave no row, as always.
                session.execute(delete(Run).where(Run.id == summary.run_id))
                summary.run_id = None
            if summary.run_id is None and busy:
                run = RunRepository(session).start(
                    self.scope.tenant_id, kind, now=summary.started_at
                )
                summary.run_id = run.id
            if summary.run_id is not None:
                runs = RunRepository(session)
                runs.finish(
                    summary.run_id,
                    summary.status,
                    now=self.scope.clock.now(),
                    counts=summary.counts(),
                    requests=summary.requests,
                    error=summary.error,
                )
                runs.add_items(summary.run_id, self._lines(summary))
            for result in summary.flows:
                self._problems(session, result, summary)
            settle_after_run(session, summary, now=self.scope.clock.now())
            settle_built_from(session, summary, builders, now=self.scope.clock.now())
            if not summary.dry_run and summary.error is None:
                synced = [r.flow for r in summary.flows if r.error is None and not r.failed]
                FlowSyncRepository(session).mark(
                    self.scope.tenant_id, synced, now=self.scope.clock.now()
                )

    def _lines(self, summary: RunSummary) -> list[ItemRecord]:
        return [
            ItemRecord(
                result.flow,
                item.external_id,
                item.action,
                item.outcome,
                item.message or item.reason,
                item.fortnox_id,
                item.code,
                item.reference or None,
            )
            for result in summary.flows
            for item in result.items
        ]

    def _problems(self, session: Session, result: FlowResult, summary: RunSummary) -> None:
        problems = ProblemRepository(session)
        now = self.scope.clock.now()
        through = [item.external_id for item in result.items if item.outcome == "ok"]
        problems.resolve_entities(self.scope.tenant_id, result.flow, through, now=now)
        for item in result.items:
            if item.outcome != "ok" and item.problem:
                problem, first = problems.record(
                    self.scope.tenant_id, report(result.flow, item), now=now
                )
                if first:
                    summary.new_problems.append(problem.id)
        if result.error is not None:
            flow_wide = ItemOutcome("", "run", "failed", result.error, f"flow {result.flow}")
            flow_wide.message = result.error
            problem, first = problems.record(
                self.scope.tenant_id, report(result.flow, flow_wide), now=now
            )
            if first:
                summary.new_problems.append(problem.id)


#: The kinds of run whose row is written while they run (:class:`LiveRun`).
LIVE_KINDS = ("sweep", "push")
#: How often at most a live run writes its progress between two finished flows (seconds).
LIVE_EVERY = 0.5
#: What an ended stale run says.
STALE_ERROR = "the bridge stopped before this run finished (its process is gone)"


class LiveRun:
    """The run row of one sweep or push while it runs.

    The row is opened at the first sign of work (a record done, or a flow that sent a request
    or touched a record), named with the ``job`` that runs it (the tenant writer's job, else
    this process's ``worker`` id). Progress is counted in records: the records of the flows done
    plus those of the flow under way (``progress(flow, done, total)`` of the strategies); the
    counts and requests so far go with it. Writes are at most every :data:`LIVE_EVERY` seconds
    within a flow and always when a flow ends.
    """

    def __init__(
        self,
        scope: RunScope,
        summary: RunSummary,
        kind: str,
        source: ClientSource,
        *,
        job: str | None,
        worker: str,
        every: float = LIVE_EVERY,
        ticks: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scope, self.summary, self.kind, self.source = scope, summary, kind, source
        self.params = {"job": job, "worker": worker}
        self.every, self.ticks = every, ticks
        self._requests_before = source.requests_made
        self._finished = 0  # records of the flows done
        self._current: tuple[str, int, int] | None = None  # flow, done, total
        self._written = 0.0

    def progress(self, flow: str, done: int, total: int) -> None:
        """A record of ``flow`` is done (``done`` of ``total``)."""
        self._current = (flow, done, total)
        if self.summary.run_id is None:
            self._open()
        elif done < total and self.ticks() - self._written < self.every:
            return
        self._write()

    def flow_done(self, result: FlowResult) -> None:
        """``result``'s flow has ended."""
        current = self._current
        self._finished += current[2] if current and current[0] == result.flow else 0
        self._current = None
        if self.summary.run_id is None and (result.requests or result.items):
            self._open()
        if self.summary.run_id is not None:
            self._write()

    def abandon(self, error: str) -> None:
        """The run stopped on something unexpected: close its row as ``interrupted``."""
        if self.summary.run_id is None:
            return
        with self.scope.sessions.begin() as session:
            session.execute(
                update(Run)
                .where(Run.id == self.summary.run_id, Run.status == "running")
                .values(
                    status="interrupted",
                    finished_at=self.scope.clock.now(),
                    counts=self.summary.counts(),
                    requests=self._requests(),
                    error=error[:2000],
                )
            )

    def _requests(self) -> int:
        return int(self.source.requests_made - self._requests_before)

    def _open(self) -> None:
        with self.scope.sessions.begin() as session:
            run = RunRepository(session).start(
                self.scope.tenant_id, self.kind, now=self.summary.started_at, params=self.params
            )
            self.summary.run_id = run.id

    def _write(self) -> None:
        current = self._current
        done = self._finished + (current[1] if current else 0)
        total = self._finished + (current[2] if current else 0)
        with self.scope.sessions.begin() as session:
            session.execute(
                update(Run)
                .where(Run.id == self.summary.run_id)
                .values(
                    progress_done=done,
                    progress_total=total,
                    counts=self.summary.counts(),
                    requests=self._requests(),
                )
            )
        self._written = self.ticks()


def end_stale_runs(session: Session, now: datetime, tenant_id: int | None = None) -> list[int]:
    """Close as ``interrupted`` the ``running`` sweeps and pushes (of ``tenant_id``, or of every
    tenant) whose process is gone; returns their ids.

    A live run is written by the job that holds its tenant's writer lease, renewed while the
    job runs: once that job no longer holds it (released without finishing the run, or the
    lease ran out, or its process on this machine is gone) the run cannot end by itself. A run
    started without the writer (some tools and tests) is judged by its process alone.
    """
    query = select(Run).where(Run.status == "running", Run.kind.in_(LIVE_KINDS))
    if tenant_id is not None:
        query = query.where(Run.tenant_id == tenant_id)
    ended = []
    for run in session.scalars(query):
        if _gone(session, run, now):
            run.status, run.finished_at, run.error = "interrupted", now, STALE_ERROR
            ended.append(run.id)
    return ended


def _gone(session: Session, run: Run, now: datetime) -> bool:
    job, worker = (run.params or {}).get("job"), (run.params or {}).get("worker")
    if job:
        held = LeaseRepository(session).holder(lease_name(run.tenant_id))
        return held is None or held[0] != job or abandoned(job, held[1], me="", now=now)
    if worker:  # only its process can tell: gone when it was on this machine and is no more
        return abandoned(worker, now + timedelta(days=1), me="", now=now)
    return True


#: What a problem of a record the bridge held back means, when its flow says nothing more.
HELD_EXPLANATION = (
    "Nothing of this record was sent to Fortnox: Fortnox has it as it was before, or not at all."
)
#: How to fix it, when its flow says nothing more (the message says what is wrong).
HELD_FIX = (
    "Correct the record where it comes from, as the message says; the bridge sends it at the "
    "next sweep."
)


def report(flow: str, item: ItemOutcome) -> ProblemReport:
    """The problem an item stands for; the key ignores details that vary between runs."""
    kind = str(item.code) if item.code is not None else item.action
    held = item.outcome == "skipped"
    explanation = item.explanation or (HELD_EXPLANATION if held else "")
    return ProblemReport(
        dedupe_key=f"{flow}:{item.external_id}:{kind}",
        flow=flow,
        entity_type=flow.split(".")[1],
        external_id=item.external_id,
        reference=item.reference or item.external_id,
        message=item.message or item.reason,
        code=item.code,
        status=item.status,
        explanation=explanation,
        fix=item.fix or (HELD_FIX if held else ""),
        refused_version=item.basis[0] if item.basis is not None else None,
        refused_config=item.basis[1] if item.basis is not None else None,
    )
