"""What the UI keeps in memory of the background jobs it starts for a tenant ("Sync now",
"Preview (dry run)", "Make a plan"): when each started and ended and what it came to, so a
reload of the page shows the same progress or result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class UiJob:
    """One job the UI started for a tenant; the newest of each kind is kept."""

    #: ``sync``, ``preview`` or ``plan``.
    kind: str
    started_at: datetime
    finished_at: datetime | None = None
    #: What the job came to (a run summary, a plan), once it ended.
    result: Any = None
    #: Why it stopped, when it did not come to a result.
    error: str | None = None
    #: Where it stands while it runs (a plan's step), for the progress card.
    step: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """Whether the job has ended (with a result or an error)."""
        return self.finished_at is not None


def job_name(kind: str, tenant_id: int) -> str:
    """The name of the tenant's job of ``kind`` among the background jobs (one at a time)."""
    return f"ui-{kind}:{tenant_id}"
