"""Keeping what a run did: the run row, its item log, the de-duplicated problems, the status
of the host changes it carried (change operations, see ``change_status.py``) and when each flow
last synced without a failure."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.base import Builder
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome, RunSummary
from fortnox_bridge.engine.sync.change_status import settle_after_run, settle_built_from
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.store.flow_syncs import FlowSyncRepository
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository


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

        A run row is written once, at the end, for runs that sent a request, touched a record
        or failed; problems seen for the first time are added to ``summary.new_problems``.
        """
        busy = summary.requests or summary.error or any(r.items for r in summary.flows)
        with self.scope.sessions.begin() as session:
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
