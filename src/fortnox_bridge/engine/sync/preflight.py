"""Pre-flight check: can this tenant's flows write what they are about to write?

A checklist, each item with a status and the fix:

- the connection is active;
- the integration licence (2001103) and, per enabled flow, the scope (2000663) and the module
  licence (2001101), each read with one cheap list call; for a tenant of the ledger family, the
  bookkeeping licence (``ledger_licence.py``);
- no date a dated flow is about to write is in the locked period (``/3/settings/lockedperiod``);
- a financial year covers every such date of a flow that needs one
  (:attr:`~fortnox_bridge.engine.flow.base.Flow.needs_financial_year`; salary data does not);
- referenced registers exist: records a flow refers to are in Fortnox;
- Fortnox has the register codes the records name (the projects and cost centres of reported
  time), for flows that can tell (:class:`RegisterCheck`).

The financial years and the locked period are cached on the connection (``facts``), so every
run checks its dates without a request; pre-flight refreshes them on connect, on demand
(``fortnox-bridge status --check``) and once a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.sync.context import TenantContext, checks_from_facts, load_context
from fortnox_bridge.engine.sync.ledger_licence import CHECK_NAME, BookkeepingLicence
from fortnox_bridge.engine.sync.planning import PlanContext, RecordState, plan_record
from fortnox_bridge.fortnox.errors import (
    FortnoxError,
    MissingLicenceError,
    MissingScopeError,
    PermissionDeniedError,
)
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository

Status = Literal["ok", "warn", "fail"]
#: How long cached facts (financial years, locked period) are trusted.
FACTS_TTL = timedelta(hours=24)


@dataclass
class Check:
    """One line of the checklist."""

    name: str
    status: Status
    detail: str
    fix: str = ""
    #: The line's texts as message ids with their values (``detail``, ``fix``, ``values``), for
    #: a UI that shows it in another language; empty: only the English above.
    texts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterGaps:
    """The codes of Fortnox registers a flow's records name that Fortnox lacks."""

    #: ``fail`` when the flow holds such records back, ``warn`` when it creates or omits them.
    status: Status
    #: What is missing, in words (``project P1 is used but not in Fortnox (...)``).
    detail: str
    #: The missing codes by register (``{"project": ["P1"], "cost_center": ["CC1"]}``).
    codes: dict[str, list[str]]


@runtime_checkable
class RegisterCheck(Protocol):
    """A flow that can tell which register codes its records name that Fortnox lacks."""

    name: str
    entity: str

    async def register_gaps(
        self, payloads: list[dict[str, Any]], client: Any
    ) -> RegisterGaps | None:
        """What is missing for ``payloads`` (the flow's live records); ``None``: nothing."""
        ...


@dataclass
class Checklist:
    """The result of a pre-flight check."""

    tenant_id: int
    checked_at: datetime
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed (warnings allowed)."""
        return all(check.status != "fail" for check in self.checks)

    def add(
        self,
        name: str,
        status: Status,
        detail: str,
        fix: str = "",
        texts: dict[str, Any] | None = None,
    ) -> None:
        """Append one line (``texts``: see :attr:`Check.texts`)."""
        self.checks.append(Check(name, status, detail, fix, texts or {}))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "tenant_id": self.tenant_id,
            "checked_at": self.checked_at.isoformat(),
            "ok": self.ok,
            "checks": [asdict(check) for check in self.checks],
        }


#: The Fortnox records more than one flow writes: absence transactions, from host absences and
#: from reported time (the flows that write them are found by their ``resource``).
ABSENCE_RESOURCE = "absence_transactions"


#: The checklist line of the register codes in use, and its texts (the UI translates them).
REGISTERS = "Fortnox registers of payroll lines"
REGISTERS_OK = "Every project and cost centre in use is in Fortnox."
REGISTERS_MISSING = (
    "Projects used on payroll lines but missing in Fortnox: %(projects)s; cost centres: "
    "%(cost_centers)s."
)
REGISTERS_FIX = (
    "create them in Fortnox (Projekt, Kostnadsställen), or set the payroll flows' "
    "missing_project / missing_cost_center to create (the bridge creates them) or omit (the "
    "lines are written without them)"
)


def facts_are_stale(facts: dict[str, Any], now: datetime) -> bool:
    """Whether cached facts are missing or older than :data:`FACTS_TTL`."""
    checked = facts.get("checked_at")
    return checked is None or now - datetime.fromisoformat(checked) > FACTS_TTL


class Preflight:
    """Runs the checklist for one tenant and caches what it learnt."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, flows: Sequence[type[Flow]]
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.flows = list(flows)

    async def run(self, tenant_id: int, source: ClientSource) -> Checklist:
        """Check everything; the facts read are saved on the connection."""
        with self.sessions.begin() as session:
            context = load_context(session, tenant_id, self.flows)
        checklist = Checklist(tenant_id, self.clock.now())
        if context.connection_state != "active":
            checklist.add(
                "connection",
                "fail",
                f"the connection is {context.connection_state}",
                "connect the tenant to Fortnox (fortnox-bridge connect)",
            )
            return checklist
        checklist.add("connection", "ok", "active")
        client = await source.get()
        if not await self._access(context, client, checklist):
            return checklist
        facts = await self._facts(client, checklist)
        self._save_facts(tenant_id, facts)
        await self._ledger(tenant_id, client, checklist)  # after: it keeps a fact of its own
        context.checks = checks_from_facts(facts)
        self._twice(context, checklist)
        self._build(context)
        self._pending(context, checklist)
        await self._registers(context, client, checklist)
        return checklist

    @staticmethod
    def _twice(context: TenantContext, checklist: Checklist) -> None:
        """Absence goes to Fortnox either from absences or from reported time, not both."""
        sources = sorted(
            name
            for name, flow in context.flows.items()
            if flow.direction == "push" and flow.resource == ABSENCE_RESOURCE
        )
        both = [n for n in sources if n in context.enabled]
        if len(sources) > 1 and len(both) == len(sources):
            checklist.add(
                "absence sent once",
                "warn",
                f"{' and '.join(both)} are both on: an absence reported both as an absence and "
                "as time would reach Fortnox twice",
                "turn one off: 'tenants set TENANT --disable hr.absence.push' (absence from "
                "reported time) or '--disable payroll.absence.push' (absence from absences)",
            )

    def _build(self, context: TenantContext) -> None:
        """Records the bridge builds (salary days) from current data, so they are checked."""
        done: set[str] = set()
        for name in context.enabled:
            builder = context.flows[name].builder
            if builder is not None and builder.name not in done:
                done.add(builder.name)
                builder.refresh(self.sessions, context.tenant_id, self.clock)

    async def _access(self, context: TenantContext, client: Any, checklist: Checklist) -> bool:
        """Licence, scope and module licence of each enabled flow's resource."""
        for name in context.enabled:
            flow = context.flows[name]
            resource = getattr(client, flow.resource)
            probe = getattr(resource, "access_probe", None)  # a register read another way
            try:
                await (probe() if probe is not None else resource.list_page(limit=1))
            except MissingLicenceError as exc:
                licence = "integration" if exc.code == 2001103 else "module"
                checklist.add(f"{licence} licence", "fail", f"{name}: {exc.message}", exc.fix)
                if exc.code == 2001103:
                    return False  # nothing else can be read without it
            except (MissingScopeError, PermissionDeniedError) as exc:
                checklist.add(f"scope of {name}", "fail", exc.message, exc.fix)
            else:
                checklist.add(f"access for {name}", "ok", f"{flow.resource}: readable")
        return True

    async def _ledger(self, tenant_id: int, client: Any, checklist: Checklist) -> None:
        """The bookkeeping licence, for a tenant of the ledger family."""
        licence = BookkeepingLicence(self.sessions, self.clock)
        if licence.uses_ledger(tenant_id):
            found = await licence.check(tenant_id, client)
            texts = {"detail": found.detail, "fix": found.fix, "values": {}}
            status: Status = "ok" if found.ok else "fail"
            checklist.add(CHECK_NAME, status, found.detail, found.fix, texts=texts)

    async def _facts(self, client: Any, checklist: Checklist) -> dict[str, Any]:
        facts: dict[str, Any] = {"checked_at": self.clock.now().isoformat()}
        try:
            years = [y async for y in client.financial_years.iterate()]
            facts["financial_years"] = [
                [y.from_date.isoformat(), y.to_date.isoformat()]
                for y in years
                if y.from_date and y.to_date
            ]
            checklist.add("financial years", "ok", f"{len(years)} financial year(s) in Fortnox")
        except FortnoxError as exc:
            checklist.add(
                "financial years",
                "warn",
                f"cannot read financial years: {exc}",
                "grant the bookkeeping scope to check dates against the financial years "
                "(salary data needs none)",
            )
        try:
            locked = (await client.locked_period.get()).end_date
            facts["locked_until"] = locked.isoformat() if locked else None
            detail = f"locked up to {locked}" if locked else "no locked period"
            checklist.add("locked period", "ok", detail)
        except FortnoxError as exc:
            checklist.add(
                "locked period",
                "warn",
                f"cannot read the locked period: {exc}",
                "grant the settings scope to check dates before writing",
            )
        return facts

    def _save_facts(self, tenant_id: int, facts: dict[str, Any]) -> None:
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            if connection is not None:
                connection.facts = facts

    async def _registers(self, context: TenantContext, client: Any, checklist: Checklist) -> None:
        """Register codes in use (projects, cost centres of reported time) Fortnox lacks."""
        checking = [
            flow
            for name in context.enabled
            if isinstance(flow := context.flows[name], RegisterCheck)
        ]
        if not checking:
            return
        gaps: list[RegisterGaps] = []
        for flow in checking:
            with self.sessions.begin() as session:
                payloads = [
                    dict(r.payload)
                    for r in MirrorRepository(session).live(context.tenant_id, flow.entity)
                ]
            try:
                found = await flow.register_gaps(payloads, client)
            except FortnoxError as exc:
                checklist.add(
                    REGISTERS,
                    "warn",
                    f"{flow.name}: cannot read the projects or cost centres: {exc}",
                    "grant the project and cost-centre scopes to check them before writing",
                )
                return
            if found is not None:
                gaps.append(found)
        if not gaps:
            texts = {"detail": REGISTERS_OK, "values": {}}
            checklist.add(REGISTERS, "ok", REGISTERS_OK, texts=texts)
            return
        codes = {
            kind: ", ".join(sorted({c for gap in gaps for c in gap.codes.get(kind, [])})) or "–"
            for kind in ("project", "cost_center")
        }
        checklist.add(
            REGISTERS,
            "fail" if any(gap.status == "fail" for gap in gaps) else "warn",
            "; ".join(gap.detail for gap in gaps),
            REGISTERS_FIX,
            texts={
                "detail": REGISTERS_MISSING,
                "fix": REGISTERS_FIX,
                "values": {"projects": codes["project"], "cost_centers": codes["cost_center"]},
            },
        )

    def _pending(self, context: TenantContext, checklist: Checklist) -> None:
        """Dates and references of what the enabled push flows are about to write."""
        for name in context.enabled:
            flow = context.flows[name]
            if flow.direction != "push":
                continue
            refusals = self._refusals(context, flow)
            label = f"pending records of {name}"
            if refusals:
                shown = "; ".join(refusals[:5]) + (" …" if len(refusals) > 5 else "")
                checklist.add(
                    label,
                    "fail",
                    f"{len(refusals)} cannot be written: {shown}",
                    "fix the records or the Fortnox registers named above",
                )
            else:
                checklist.add(label, "ok", "dates and references are fine")

    def _refusals(self, context: TenantContext, flow: Flow) -> list[str]:
        with self.sessions.begin() as session:
            rows = MirrorRepository(session).with_links(
                context.tenant_id, flow.entity, only_dirty=True
            )
            refs = self._references(session, context.tenant_id, flow, rows)
        plan_context = PlanContext(references=refs, checks=context.checks)
        found = []
        for record, link in rows:
            state = RecordState(
                record.external_id,
                record.payload,
                record.version,
                record.deleted,
                link.fortnox_id if link else None,
                link.state if link else None,
                link.snapshot if link else None,
                link.snapshot_hash if link else None,
            )
            item = plan_record(flow, state, plan_context)
            if item.problem:
                found.append(f"{item.reference}: {item.reason}")
        return found

    @staticmethod
    def _references(
        session: Session, tenant_id: int, flow: Flow, rows: list[Any]
    ) -> dict[str, dict[str, str]]:
        """Referenced records that are in Fortnox, or will be before this flow runs.

        A referenced host record that is not linked yet but exists counts: its own push flow
        runs earlier in the sweep (registers before documents).
        """
        refs: dict[str, dict[str, str]] = {}
        mirror, links = MirrorRepository(session), LinkRepository(session)
        for host_field, entity in flow.references.items():
            ids = sorted({str(r.payload[host_field]) for r, _ in rows if r.payload.get(host_field)})
            known = {record.external_id for record in mirror.live(tenant_id, entity)}
            resolved = {host_id: "(to be created)" for host_id in ids if host_id in known}
            resolved.update(links.fortnox_ids(tenant_id, entity, ids))
            refs[entity] = resolved
        return refs
