"""Writes Fortnox refused: not sent again while nothing that decides them changed.

When Fortnox refuses a record's write with an error code (a 4xx that is not about the token,
permissions, the rate limit or a locked period), the record's problem keeps the host record's
version and a fingerprint of the flow's settings and mappings (``refused_version``,
``refused_config``). While that problem stays open (or ignored, once refused again after it was
ignored), later sweeps send nothing for the record
unless its version or the fingerprint changed, or the tenant's ``refusal_retry_hours`` have
passed since Fortnox last refused it (the problem's ``last_seen``). Resolving (or ignoring) the
problem closes it, so the next sweep sends the record again. Transient failures (429, 5xx, no
answer, the token) are not refusals: the next sweep tries again, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from fortnox_bridge.engine.flow.base import Flow, fingerprint
from fortnox_bridge.engine.flow.results import ItemOutcome
from fortnox_bridge.engine.sync.planning import PlannedItem
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.store.models import Problem

#: Hours after which a refused write is sent again anyway, when the tenant says nothing.
DEFAULT_RETRY_HOURS = 24


@dataclass(frozen=True)
class Refusal:
    """Fortnox's last refusal of one record's write, as its open problem keeps it."""

    version: int
    config: str
    at: datetime
    code: int | None
    message: str


def config_fingerprint(flow: Flow) -> str:
    """A hash of what decides a flow's writes besides the record: its settings and mappings."""
    settings = flow.settings.model_dump(mode="json")
    return fingerprint({"settings": settings, "mappings": flow.mappings})


def basis(flow: Flow, version: int) -> tuple[int, str]:
    """What a refusal of a record at ``version`` is kept with (see :class:`Refusals`)."""
    return version, config_fingerprint(flow)


class Refusals:
    """The refusals of one flow's records that still hold their writes back in this run."""

    def __init__(
        self, refused: Mapping[str, Refusal], config: str, now: datetime, hours: int
    ) -> None:
        self.refused, self.config, self.now, self.hours = refused, config, now, hours

    @classmethod
    def load(cls, scope: RunScope, flow: Flow, hours: int | None) -> Refusals:
        """The open refusals of ``flow``'s records (none in a re-sync: ``hours`` is ``None``
        when the caller sends everything anyway)."""
        now = scope.clock.now()
        if hours is None:
            return cls({}, "", now, 0)
        query = (
            select(Problem)
            .where(
                Problem.tenant_id == scope.tenant_id,
                Problem.flow == flow.name,
                # Open, or ignored and refused again since (an ignored problem is sent once
                # more, then waits like an open one; it is only counted, not reopened).
                or_(
                    Problem.resolved_at.is_(None),
                    and_(Problem.ignored_at.is_not(None), Problem.last_seen > Problem.ignored_at),
                ),
                Problem.refused_version.is_not(None),
            )
            .order_by(Problem.last_seen, Problem.id)
        )
        refused: dict[str, Refusal] = {}
        with scope.sessions.begin() as session:
            for problem in session.scalars(query):
                assert problem.refused_version is not None
                refused[problem.external_id] = Refusal(
                    problem.refused_version,
                    problem.refused_config or "",
                    problem.last_seen,
                    problem.code,
                    problem.message,
                )
        return cls(refused, config_fingerprint(flow) if refused else "", now, hours)

    def holding(self, external_id: str, version: int) -> Refusal | None:
        """The refusal that holds the record's write back, or ``None`` (send it)."""
        refusal = self.refused.get(external_id)
        if refusal is None or refusal.version != version or refusal.config != self.config:
            return None
        if self.now >= refusal.at + timedelta(hours=self.hours):
            return None
        return refusal

    def reason(self, refusal: Refusal) -> str:
        """The run log's line for a record held back by ``refusal``."""
        return held_reason(refusal, self.hours)


def held_reason(refusal: Refusal, hours: int) -> str:
    """``not sent again: Fortnox refused it on <when> (<code>): <text>; ...``."""
    code = f" ({refusal.code})" if refusal.code is not None else ""
    return (
        f"not sent again: Fortnox refused it on {refusal.at:%Y-%m-%d %H:%M}{code}: "
        f"{refusal.message}; it is sent again when the record changes, when the problem is "
        f"resolved, or after {hours} hours"
    )


def keep_basis(flow: Flow, outcome: ItemOutcome, version: int) -> None:
    """Note on a failed item what its refusal is kept with (nothing for other failures)."""
    if outcome.outcome == "failed" and outcome.refused:
        outcome.basis = basis(flow, version)


def hold_refused(refusals: Refusals, items: list[PlannedItem]) -> list[PlannedItem]:
    """A push plan with the writes Fortnox refused (and nothing changed since) turned into
    skips that say why."""
    held = []
    for item in items:
        refusal = (
            refusals.holding(item.external_id, item.version)
            if item.action in ("create", "update")
            else None
        )
        if refusal is not None:
            item = replace(
                item,
                action="skip",
                reason=refusals.reason(refusal),
                changes={},
                recover=False,
                existing=None,
            )
        held.append(item)
    return held
