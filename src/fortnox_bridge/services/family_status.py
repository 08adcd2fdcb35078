"""The status light of each flow family a tenant uses: green when the integration works, red
with the reason when it does not.

Per family, in order: the connection is active; it was approved for every scope the family
needs (those of its flows the tenant runs); for the ledger
family, the bookkeeping licence (the last check's answer, ``engine/sync/ledger_licence.py``) and
the last ledger sync (``ledger_years``: a year's ``last_error``, else when the latest was
synced). The first check that fails makes the light red and gives its reason. Texts are English
with ``%(name)s`` values, so the admin UI can show them in Swedish (``web/locales``); the API
answers the English and a stable code per check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.base import Flow, family_of
from fortnox_bridge.engine.sync.ledger_licence import DETAILS as LICENCE_DETAILS
from fortnox_bridge.engine.sync.ledger_licence import FACT as LICENCE_FACT
from fortnox_bridge.engine.sync.ledger_licence import LicenceCheck
from fortnox_bridge.engine.sync.scopes import needed_scopes
from fortnox_bridge.services.connection import NOT_CONNECTED
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models.ledger import LedgerYear
from fortnox_bridge.store.tenants import TenantRepository

FamilyColor = Literal["green", "red"]
LEDGER = "ledger"

#: The texts of the checks (English message ids; their values in ``%(...)s``).
CONNECTED = "Connected to Fortnox."
NOT_ACTIVE = "The Fortnox connection: %(state)s."
SCOPES_OK = "Approved for everything the family reads and writes."
SCOPES_MISSING = "The connection was not approved for: %(scopes)s. Connect again to approve them."
LICENCE_UNKNOWN = "The bookkeeping licence has not been checked yet."
SYNC_NONE = "The ledger has not been synced yet."
SYNC_OK = "The last ledger sync went through (%(year)s, %(at)s)."
SYNC_FAILED = "The last ledger sync failed (%(year)s): %(error)s"


@dataclass(frozen=True)
class FamilyCheck:
    """One part of a family's light."""

    #: ``connection``, ``scopes``, ``licence`` or ``last_sync``.
    name: str
    ok: bool
    #: A stable code of the answer (``connected``, ``scopes_missing``, ...).
    code: str
    #: The English text (a message id) and its values.
    text: str
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        """The text with its values, in English."""
        return self.text % self.values if self.values else self.text


@dataclass(frozen=True)
class FamilyLight:
    """A family's light: green or red, the reason, and every check."""

    family: str
    color: FamilyColor
    checks: list[FamilyCheck]

    @property
    def reason(self) -> FamilyCheck:
        """The first failed check, else the last passed one."""
        failed = [check for check in self.checks if not check.ok]
        return failed[0] if failed else self.checks[-1]


def light_of(family: str, checks: list[FamilyCheck]) -> FamilyLight:
    """The light made of ``checks``: red when one failed."""
    return FamilyLight(family, "green" if all(c.ok for c in checks) else "red", checks)


class FamilyStatus:
    """Reads the lights of a tenant's families."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        enabled_flows: Callable[[int], Sequence[type[Flow]]],
    ) -> None:
        self.sessions = sessions
        #: The flows a tenant runs (``FlowConfigService.enabled_flows``).
        self.enabled_flows = enabled_flows

    def lights(self, tenant_id: int) -> list[FamilyLight]:
        """One light per family the tenant uses, in the tenant's order."""
        flows = list(self.enabled_flows(tenant_id))
        with self.sessions.begin() as session:
            families = TenantRepository(session).families(tenant_id)
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            state = connection.state if connection is not None else NOT_CONNECTED
            granted = set(connection.scopes.split()) if connection is not None else set()
            facts = dict(connection.facts or {}) if connection is not None else {}
            latest = _latest_year(session, tenant_id) if LEDGER in families else None
        lights = []
        for family in families:
            own = [flow for flow in flows if family_of(flow) == family]
            checks = [_connection(state), _scopes(needed_scopes(own), granted)]
            if family == LEDGER:
                checks += [_licence(facts.get(LICENCE_FACT)), _last_sync(latest)]
            lights.append(light_of(family, checks))
        return lights


def _latest_year(session: Session, tenant_id: int) -> LedgerYear | None:
    """The year whose last sync failed (the latest changed of them), else the latest synced."""
    years = LedgerYear.tenant_id == tenant_id
    failed = session.scalars(
        select(LedgerYear)
        .where(years, LedgerYear.last_error.is_not(None))
        .order_by(LedgerYear.updated_at.desc(), LedgerYear.id.desc())
        .limit(1)
    ).first()
    if failed is not None:
        return failed
    return session.scalars(
        select(LedgerYear)
        .where(years, LedgerYear.synced_at.is_not(None))
        .order_by(LedgerYear.synced_at.desc(), LedgerYear.id.desc())
        .limit(1)
    ).first()


def _connection(state: str) -> FamilyCheck:
    if state == "active":
        return FamilyCheck("connection", True, "connected", CONNECTED)
    return FamilyCheck("connection", False, state, NOT_ACTIVE, {"state": state})


def _scopes(needed: Sequence[str], granted: set[str]) -> FamilyCheck:
    missing = sorted(set(needed) - granted)
    if not missing:
        return FamilyCheck("scopes", True, "scopes_granted", SCOPES_OK)
    return FamilyCheck(
        "scopes", False, "scopes_missing", SCOPES_MISSING, {"scopes": ", ".join(missing)}
    )


def _licence(fact: Any) -> FamilyCheck:
    known = LicenceCheck.from_fact(fact)
    if known is None:
        return FamilyCheck("licence", True, "licence_not_checked", LICENCE_UNKNOWN)
    return FamilyCheck("licence", known.ok, known.code, LICENCE_DETAILS[known.state])


def _last_sync(year: LedgerYear | None) -> FamilyCheck:
    if year is None or (year.synced_at is None and not year.last_error):
        return FamilyCheck("last_sync", True, "not_synced", SYNC_NONE)
    label = f"{year.from_date.isoformat()} – {year.to_date.isoformat()}"
    if year.last_error:
        values = {"year": label, "error": year.last_error}
        return FamilyCheck("last_sync", False, "sync_failed", SYNC_FAILED, values)
    assert year.synced_at is not None
    values = {"year": label, "at": year.synced_at.strftime("%Y-%m-%d %H:%M")}
    return FamilyCheck("last_sync", True, "synced", SYNC_OK, values)
