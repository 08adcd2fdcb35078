"""Problems: failures worth a human's attention, de-duplicated while they stay open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Problem

#: Host ids per statement when problems are resolved together (well under SQLite's limit of
#: bound parameters).
RESOLVE_CHUNK = 500


#: The longest reference a problem keeps (the column's size); a longer one is cut, ending in "…".
REFERENCE_LENGTH = 400


@dataclass(frozen=True)
class ProblemReport:
    """What went wrong with one entity, as the engine reports it."""

    dedupe_key: str
    flow: str
    entity_type: str
    external_id: str
    reference: str
    message: str
    code: int | None = None
    status: int | None = None
    explanation: str = ""
    fix: str = ""
    #: Fortnox refused the record's write: the record's version and the flow's configuration
    #: fingerprint then (the write is held back while both stay and the problem is open).
    refused_version: int | None = None
    refused_config: str | None = None


class ProblemRepository:
    """Reads and writes problems within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self, tenant_id: int, report: ProblemReport, *, now: datetime
    ) -> tuple[Problem, bool]:
        """Count one occurrence; returns the problem and whether it is a *first* occurrence.

        A first occurrence is a new problem or one that had been resolved and came back; an
        occurrence of a problem that is still open, or that the tenant ignored, only moves
        ``last_seen`` and ``count``.
        """
        problem = self.session.scalars(
            select(Problem).where(
                Problem.tenant_id == tenant_id, Problem.dedupe_key == report.dedupe_key
            )
        ).first()
        ignored = problem is not None and problem.ignored_at is not None
        first = not ignored and (problem is None or problem.resolved_at is not None)
        if problem is None:
            problem = Problem(
                tenant_id=tenant_id, dedupe_key=report.dedupe_key, first_seen=now, count=0
            )
            self.session.add(problem)
        elif first:
            problem.first_seen, problem.count, problem.notified_at = now, 0, None
        if not ignored:
            problem.resolved_at = None
        problem.flow = report.flow
        problem.entity_type = report.entity_type
        problem.external_id = report.external_id
        problem.reference = _fitted(report.reference)
        problem.code = report.code
        problem.status = report.status
        problem.message = report.message
        problem.explanation = report.explanation
        problem.fix = report.fix
        problem.refused_version = report.refused_version
        problem.refused_config = report.refused_config
        problem.last_seen = now
        problem.count += 1
        self.session.flush()
        return problem, first

    def resolve_entity(self, tenant_id: int, flow: str, external_id: str, *, now: datetime) -> int:
        """Resolve the open problems of one entity (it went through); returns how many."""
        return self.resolve_entities(tenant_id, flow, [external_id], now=now)

    def resolve_entities(
        self, tenant_id: int, flow: str, external_ids: Sequence[str], *, now: datetime
    ) -> int:
        """Resolve the open problems of these entities of ``flow`` (they went through), a few
        hundred per statement; returns how many."""
        resolved = 0
        for start in range(0, len(external_ids), RESOLVE_CHUNK):
            chunk = list(external_ids[start : start + RESOLVE_CHUNK])
            outcome = self.session.execute(
                update(Problem)
                .where(
                    Problem.tenant_id == tenant_id,
                    Problem.flow == flow,
                    Problem.external_id.in_(chunk),
                    Problem.resolved_at.is_(None),
                )
                .values(resolved_at=now)
                .execution_options(synchronize_session="fetch")
            )
            resolved += cast(CursorResult[Any], outcome).rowcount
        return resolved

    def open(self, tenant_id: int) -> list[Problem]:
        """The open problems of a tenant, oldest first."""
        return list(
            self.session.scalars(
                select(Problem)
                .where(Problem.tenant_id == tenant_id, Problem.resolved_at.is_(None))
                .order_by(Problem.first_seen, Problem.id)
            )
        )

    def get(self, problem_id: int) -> Problem | None:
        """One problem by id."""
        return self.session.get(Problem, problem_id)

    def resolve(self, problem: Problem, *, now: datetime) -> None:
        """Close a problem by hand (it was fixed); it opens again if it happens again."""
        if problem.resolved_at is None or problem.ignored_at is not None:
            problem.resolved_at = now
        problem.ignored_at = None
        self.session.flush()

    def ignore(self, problem: Problem, *, now: datetime) -> None:
        """Close a problem for good: when it happens again it is counted, not reopened."""
        if problem.ignored_at is None:
            problem.ignored_at = now
            problem.resolved_at = problem.resolved_at or now
        self.session.flush()


def _fitted(reference: str) -> str:
    """``reference``, cut to :data:`REFERENCE_LENGTH` characters when longer (a record named
    at length must not fail the run that reports it)."""
    if len(reference) <= REFERENCE_LENGTH:
        return reference
    return reference[: REFERENCE_LENGTH - 1] + "…"
