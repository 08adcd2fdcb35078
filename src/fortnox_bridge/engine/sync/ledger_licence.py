"""Before the first ledger sync: does the company hold the bookkeeping licence?

Fortnox answers every bookkeeping request of a company without the bookkeeping module
(Bokföring) with 403 and code 2001101 ("Det finns ingen aktiv licens för önskat scope"), and one
approved without the bookkeeping permission with 2000663. A ledger sync of such a company would
fail on every request (and a missing module licence stops a sweep), so before the first ledger
sync the family reads the financial years list — the request that sync makes anyway — and, when
Fortnox refuses, stops there with one clear problem instead (``engine/sync/ledger_years.py``).
A missing integration licence (2001103) is the connection's problem, not the family's: it goes
through as before.

The answer is kept on the connection's facts (``facts["bookkeeping"]``): the check runs before
every sync until a year of the tenant has been synced from Fortnox,
at each pre-flight check of a tenant that uses the ledger family (one page of financial years;
it adds a line to the checklist), and again whenever it failed last time. A failed check opens
a problem (flow ``ledger``) and a passing one resolves it. The texts are English here; the admin
UI shows them in Swedish too (``web/locales``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import EngineError
from fortnox_bridge.fortnox.errors import MissingLicenceError, MissingScopeError
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Problem
from fortnox_bridge.store.models.ledger import LedgerYear
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository

T = TypeVar("T")
LicenceState = Literal["ok", "missing_licence", "missing_scope"]
#: The family that needs the licence, and the key of its fact on the connection.
FAMILY = "ledger"
FACT = "bookkeeping"
#: The checklist line, and the problem's de-duplication key.
CHECK_NAME = "bookkeeping licence"
DEDUPE_KEY = "ledger:bookkeeping-licence"

#: What each answer means (English; the admin UI's catalogues hold the Swedish).
DETAILS: dict[LicenceState, str] = {
    "ok": "The company holds the bookkeeping licence: the ledger can be read.",
    "missing_licence": (
        "The company has no bookkeeping licence in Fortnox (Bokföring): the ledger cannot be read."
    ),
    "missing_scope": (
        "The connection was not approved for bookkeeping: the ledger cannot be read."
    ),
}
#: How to fix each refusal.
FIXES: dict[LicenceState, str] = {
    "ok": "",
    "missing_licence": (
        "Ask the company's Fortnox administrator to add the bookkeeping licence (Bokföring), "
        "then sync the ledger again."
    ),
    "missing_scope": "Connect the tenant again and approve the bookkeeping permission.",
}
#: The stable codes of the refusals (API error codes, status reasons).
CODES: dict[LicenceState, str] = {
    "ok": "bookkeeping_licence_ok",
    "missing_licence": "bookkeeping_licence_missing",
    "missing_scope": "bookkeeping_scope_missing",
}


@dataclass(frozen=True)
class LicenceCheck:
    """What Fortnox answered to the bookkeeping read, and when."""

    state: LicenceState
    checked_at: datetime
    #: Fortnox's error code and message (Swedish) of a refusal.
    fortnox_code: int | None = None
    fortnox_message: str = ""

    @property
    def ok(self) -> bool:
        """The company's ledger can be read."""
        return self.state == "ok"

    @property
    def code(self) -> str:
        """The stable code of the answer (see :data:`CODES`)."""
        return CODES[self.state]

    @property
    def detail(self) -> str:
        """What the answer means, in English."""
        return DETAILS[self.state]

    @property
    def fix(self) -> str:
        """How to fix a refusal, in English (empty when it passed)."""
        return FIXES[self.state]

    def to_fact(self) -> dict[str, Any]:
        """JSON-ready form, kept on the connection."""
        return {
            "state": self.state,
            "checked_at": self.checked_at.isoformat(),
            "fortnox_code": self.fortnox_code,
            "fortnox_message": self.fortnox_message,
        }

    @classmethod
    def from_fact(cls, raw: Any) -> LicenceCheck | None:
        """Inverse of :meth:`to_fact` (``None`` for a missing or unreadable fact)."""
        if not isinstance(raw, dict) or raw.get("state") not in DETAILS:
            return None
        return cls(
            raw["state"],
            datetime.fromisoformat(str(raw["checked_at"])),
            raw.get("fortnox_code"),
            str(raw.get("fortnox_message") or ""),
        )


class LedgerLicenceMissing(EngineError):
    """The company's ledger cannot be read: the check's answer says why and how to fix it."""

    def __init__(self, check: LicenceCheck) -> None:
        super().__init__(f"{check.detail} {check.fix}")
        self.check = check
        self.code = check.code


#: The integration licence's code: the connection's problem, not the ledger's.
NO_INTEGRATION_LICENCE = 2001103


def refusal(exc: MissingLicenceError | MissingScopeError, now: datetime) -> LicenceCheck | None:
    """What a refused bookkeeping read means; ``None`` for a missing integration licence."""
    if isinstance(exc, MissingScopeError):
        return LicenceCheck("missing_scope", now, exc.code, exc.message)
    if exc.code == NO_INTEGRATION_LICENCE:
        return None
    return LicenceCheck("missing_licence", now, exc.code, exc.message)


async def read_bookkeeping(client: Any, now: datetime) -> LicenceCheck:
    """One request: a page of one financial year. Other errors (5xx, network, no integration
    licence) go through."""
    try:
        await client.financial_years.list_page(limit=1)
    except (MissingLicenceError, MissingScopeError) as exc:
        found = refusal(exc, now)
        if found is None:
            raise
        return found
    return LicenceCheck("ok", now)


class BookkeepingLicence:
    """The check of one tenant's bookkeeping licence, what it keeps and when it runs."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def known(self, tenant_id: int) -> LicenceCheck | None:
        """The last answer (``None``: never checked)."""
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            facts = dict(connection.facts or {}) if connection is not None else {}
        return LicenceCheck.from_fact(facts.get(FACT))

    def needs_check(self, tenant_id: int) -> bool:
        """Whether a sync checks first: no year synced from Fortnox yet, or the last check
        failed."""
        known = self.known(tenant_id)
        if known is not None and not known.ok:
            return True
        with self.sessions.begin() as session:
            synced = session.scalar(
                select(LedgerYear.id)
                .where(
                    LedgerYear.tenant_id == tenant_id,
                    LedgerYear.source == "fortnox",
                    LedgerYear.synced_at.is_not(None),
                )
                .limit(1)
            )
        return synced is None

    async def check(self, tenant_id: int, client: Any) -> LicenceCheck:
        """Ask Fortnox (one page of financial years), keep the answer, open or resolve the
        problem."""
        found = await read_bookkeeping(client, self.clock.now())
        self.record(tenant_id, found)
        return found

    def record(self, tenant_id: int, found: LicenceCheck) -> None:
        """Keep an answer on the connection and open or resolve the problem."""
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            if connection is not None:
                connection.facts = {**(connection.facts or {}), FACT: found.to_fact()}
            report_check(session, tenant_id, found)

    async def guarded(self, tenant_id: int, read: Callable[[], Awaitable[T]]) -> T:
        """``read()`` (a bookkeeping read the sync makes anyway) taken as the check: its refusal
        is kept and raised as :class:`LedgerLicenceMissing`, its answer passes the check."""
        try:
            answer = await read()
        except (MissingLicenceError, MissingScopeError) as exc:
            found = refusal(exc, self.clock.now())
            if found is None:
                raise
            self.record(tenant_id, found)
            raise LedgerLicenceMissing(found) from None
        self.record(tenant_id, LicenceCheck("ok", self.clock.now()))
        return answer

    async def require(self, tenant_id: int, client: Any) -> None:
        """Before a ledger sync that reads nothing else first: check when needed;
        :class:`LedgerLicenceMissing` when the ledger cannot be read."""
        if not self.needs_check(tenant_id):
            return
        found = await self.check(tenant_id, client)
        if not found.ok:
            raise LedgerLicenceMissing(found)

    def uses_ledger(self, tenant_id: int) -> bool:
        """Whether the tenant chose the ledger family."""
        with self.sessions.begin() as session:
            return FAMILY in TenantRepository(session).families(tenant_id)


def report_check(session: Session, tenant_id: int, found: LicenceCheck) -> None:
    """Open (or count again) the tenant's licence problem for a refusal; resolve it for a pass.
    The problem is the family's, not a record's: its page says the family could not run."""
    now = found.checked_at
    problems = ProblemRepository(session)
    if not found.ok:
        report = ProblemReport(
            dedupe_key=DEDUPE_KEY,
            flow=FAMILY,
            entity_type="ledger",
            external_id="",
            reference="the ledger (bookkeeping)",
            message=found.fortnox_message or found.detail,
            code=found.fortnox_code,
            status=403,
            explanation=found.detail,
            fix=found.fix,
        )
        problems.record(tenant_id, report, now=now)
        return
    problem = session.scalars(
        select(Problem).where(
            Problem.tenant_id == tenant_id,
            Problem.dedupe_key == DEDUPE_KEY,
            Problem.resolved_at.is_(None),
        )
    ).first()
    if problem is not None:
        problems.resolve(problem, now=now)
