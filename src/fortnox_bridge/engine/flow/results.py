"""What runs report: per item, per flow, per run. JSON-ready for the CLI, the API and the log."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from fortnox_bridge.fortnox.errors import (
    AuthenticationError,
    FortnoxApiError,
    FortnoxError,
    LockedPeriodError,
    MissingFinancialYearError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)

COUNTERS = (
    "created",
    "updated",
    "deleted",
    "unchanged",
    "skipped",
    "failed",
    "adopted",
    "imported",
    "conflicts",
)


@dataclass
class ItemOutcome:
    """What happened (or, in a dry run, would happen) to one record."""

    external_id: str
    action: str
    outcome: str  # "ok", "failed", "skipped", "planned"
    reason: str = ""
    reference: str = ""
    fortnox_id: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    code: int | None = None
    message: str = ""
    explanation: str = ""
    fix: str = ""
    #: Whether a failed or skipped item is a problem to report (and e-mail).
    problem: bool = False
    #: Fortnox refused the write for the record itself (a 4xx with an error code): it is not
    #: sent again while nothing that decides it changed (see ``engine/sync/refusals.py``).
    refused: bool = False
    #: The host record's version and the flow's configuration fingerprint of a refusal.
    basis: tuple[int, str] | None = None

    def fail(self, exc: BaseException) -> ItemOutcome:
        """Mark this item failed with everything a log or e-mail needs from ``exc``."""
        self.outcome = "failed"
        self.problem = True
        if isinstance(exc, FortnoxApiError):
            self.status, self.code, self.message = exc.status, exc.code, exc.message
            self.explanation, self.fix = exc.explanation, exc.fix
            self.refused = is_refusal(exc)
        else:
            self.message = str(exc)
            if isinstance(exc, FortnoxError):
                self.explanation = "Fortnox did not answer usably; the bridge tries again."
        return self


@dataclass
class FlowResult:
    """Counts and item outcomes of one flow in one run."""

    flow: str
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    adopted: int = 0
    imported: int = 0
    conflicts: int = 0
    requests: int = 0
    write_requests: int = 0
    items: list[ItemOutcome] = field(default_factory=list)
    #: Why the whole flow could not run (a missing scope...), or ``None``.
    error: str | None = None

    @property
    def failures(self) -> list[ItemOutcome]:
        """The items that failed."""
        return [item for item in self.items if item.outcome == "failed"]

    def count(self, counter: str, item: ItemOutcome | None = None) -> None:
        """Add one to ``counter`` and keep ``item`` in the item log."""
        setattr(self, counter, getattr(self, counter) + 1)
        if item is not None:
            self.items.append(item)


@dataclass
class RunSummary:
    """The outcome of one run (sweep, push or dry run) for one tenant."""

    tenant_id: int
    started_at: datetime
    finished_at: datetime | None = None
    flows: list[FlowResult] = field(default_factory=list)
    dry_run: bool = False
    run_id: int | None = None
    #: Why the run could not run at all (connection, licence...), or ``None``.
    error: str | None = None
    #: The exception that stopped the run, for the connection lifecycle (not serialised).
    cause: BaseException | None = field(default=None, repr=False, compare=False)
    #: Problems this run saw for the first time (ids), for the e-mail notifier.
    new_problems: list[int] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Fortnox requests the run made."""
        return sum(f.requests for f in self.flows)

    @property
    def status(self) -> str:
        """``failed`` (could not run), ``partial`` (items failed) or ``succeeded``."""
        if self.error is not None:
            return "failed"
        return "partial" if self.total("failed") else "succeeded"

    def total(self, counter: str) -> int:
        """The sum of one counter (``created``, ``failed``, ...) over all flows."""
        return sum(int(getattr(f, counter)) for f in self.flows)

    def counts(self) -> dict[str, int]:
        """Every counter summed over the flows."""
        return {counter: self.total(counter) for counter in COUNTERS}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "tenant_id": self.tenant_id,
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "error": self.error,
            "requests": self.requests,
            "counts": self.counts(),
            "flows": [asdict(result) for result in self.flows],
        }


#: 4xx answers that are not about the record: the token, permissions, a gone record, the rate.
_NOT_REFUSALS = (AuthenticationError, PermissionDeniedError, NotFoundError, RateLimitedError)


def is_refusal(exc: FortnoxApiError) -> bool:
    """Whether Fortnox refused a write for the record itself: a 4xx with an error code that is
    not about access, the rate limit or a date (a locked period or a missing financial year is
    held back by the date checks instead, and sent when the dates allow)."""
    return (
        exc.code is not None
        and 400 <= exc.status < 500
        and not isinstance(exc, _NOT_REFUSALS)
        and not isinstance(exc, (LockedPeriodError, MissingFinancialYearError))
    )


def describe_error(exc: BaseException) -> str:
    """An error as one line for people: what happened, what it means, how to fix it."""
    explanation = getattr(exc, "explanation", "")
    fix = getattr(exc, "fix", "")
    return " ".join(part for part in (str(exc).split(" — ")[0], explanation, fix) if part)
