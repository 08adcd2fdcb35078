"""A tenant's problems: what failed, Fortnox's message and the fix; closed as resolved (it
opens again if it comes back) or ignored (counted, never reopened)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.paging import keyset
from fortnox_bridge.store.models import Problem, Run, RunItem
from fortnox_bridge.store.problems import ProblemRepository

__all__ = ["Attempt", "Problem", "ProblemService", "ProblemState", "problems_query"]

ProblemState = Literal["open", "resolved", "ignored"]


def problems_query(tenant_id: int, state: ProblemState) -> Select[Problem]:
    """The tenant's problems in ``state`` (open, resolved or ignored), unordered."""
    query = select(Problem).where(Problem.tenant_id == tenant_id)
    if state == "open":
        return query.where(Problem.resolved_at.is_(None))
    if state == "ignored":
        return query.where(Problem.ignored_at.is_not(None))
    return query.where(Problem.resolved_at.is_not(None), Problem.ignored_at.is_(None))


def state_of(problem: Problem) -> ProblemState:
    """Whether ``problem`` is open, resolved or ignored."""
    if problem.ignored_at is not None:
        return "ignored"
    return "resolved" if problem.resolved_at is not None else "open"


@dataclass(frozen=True)
class Attempt:
    """What the bridge last tried with a problem's record: ``action`` (``create``, ``update``,
    ``delete``, ``skip``, ``pull``...; ``run`` for a whole flow) and ``outcome`` (``failed``,
    ``skipped``; empty when no run kept the record) and the run that tried it (``None``: no
    run kept the record)."""

    action: str
    outcome: str = ""
    run_id: int | None = None


class ProblemService:
    """Reads and closes tenants' problems."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def page(
        self, tenant_id: int, state: ProblemState, *, limit: int, cursor: str | None
    ) -> tuple[list[Problem], str | None]:
        """One page of the tenant's problems in ``state``, oldest first."""
        query = problems_query(tenant_id, state)
        with self.sessions.begin() as session:
            return keyset(session, query, Problem.id, limit=limit, cursor=cursor)

    def recent(self, tenant_id: int, state: ProblemState, limit: int) -> list[Problem]:
        """The ``limit`` problems in ``state`` seen last, latest first."""
        query = problems_query(tenant_id, state).order_by(Problem.last_seen.desc(), Problem.id)
        with self.sessions.begin() as session:
            return list(session.scalars(query.limit(limit)))

    def get(self, tenant_id: int, problem_id: int) -> Problem:
        """The tenant's problem; 404 otherwise (another tenant's too)."""
        with self.sessions.begin() as session:
            return _problem(session, tenant_id, problem_id)

    def resolve(self, tenant_id: int, problem_id: int) -> Problem:
        """Close a problem that was fixed."""
        with self.sessions.begin() as session:
            problem = _problem(session, tenant_id, problem_id)
            ProblemRepository(session).resolve(problem, now=self.clock.now())
            return problem

    def ignore(self, tenant_id: int, problem_id: int) -> Problem:
        """Close a problem for good."""
        with self.sessions.begin() as session:
            problem = _problem(session, tenant_id, problem_id)
            ProblemRepository(session).ignore(problem, now=self.clock.now())
            return problem

    def attempts(self, tenant_id: int, problems: Sequence[Problem]) -> dict[int, Attempt]:
        """What the bridge last tried with the record of each of ``problems`` (by id), read
        from the latest run item of the record."""
        ids = {problem.external_id for problem in problems if problem.external_id}
        last: dict[tuple[str, str], Attempt] = {}
        if ids:
            query = (
                select(
                    RunItem.flow,
                    RunItem.external_id,
                    RunItem.action,
                    RunItem.outcome,
                    RunItem.run_id,
                )
                .join(Run, Run.id == RunItem.run_id)
                .where(Run.tenant_id == tenant_id, RunItem.external_id.in_(ids))
                .order_by(RunItem.id.desc())
            )
            with self.sessions.begin() as session:
                for flow, external_id, action, outcome, run_id in session.execute(query):
                    last.setdefault((flow, external_id), Attempt(action, outcome, run_id))
        return {problem.id: _attempt(problem, last) for problem in problems}


def _attempt(problem: Problem, last: dict[tuple[str, str], Attempt]) -> Attempt:
    if not problem.external_id:
        return Attempt("run", "failed")
    found = last.get((problem.flow, problem.external_id))
    if found is not None:
        return found
    kind = problem.dedupe_key.rsplit(":", 1)[-1]  # the action when Fortnox gave no code
    return Attempt("" if kind.isdigit() else kind)


def _problem(session: Session, tenant_id: int, problem_id: int) -> Problem:
    problem = ProblemRepository(session).get(problem_id) if 0 < problem_id < 2**31 else None
    if problem is None or problem.tenant_id != tenant_id:
        raise NotFound(f"no problem {problem_id}")
    return problem
