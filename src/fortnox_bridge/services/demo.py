"""The demo's tenant, ready for a cycle: made with its host records and flow settings the first
time, with an API key, a sandbox company and an admin user of the web UI that still work.

Running the demo again on the same store reuses what is there: the tenant, a key and a password
the caller still holds, the sandbox company while it exists. A new company gets the demo's
bookkeeping (vouchers and the documents behind them) for the ledger family to read.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import LedgerVoucher, LedgerVoucherDocument, LedgerYear, Tenant
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.users import AdminUserRepository

__all__ = [
    "Companies",
    "DemoData",
    "DemoLedger",
    "DemoPlan",
    "DemoSeeder",
    "DemoSetup",
    "LedgerCounts",
    "Passwords",
]


class Companies(Protocol):
    """Where the demo's Fortnox company lives (the sandbox's control API)."""

    async def company_exists(self, tenant_id: int) -> bool:
        """Whether the company ``tenant_id`` exists."""

    async def create_company(
        self, name: str, *, seed: str = "empty", licences: list[str] | None = None
    ) -> dict[str, Any]:
        """A new company; its id is ``["tenant_id"]``."""

    async def seed_vouchers(
        self, tenant_id: int, vouchers: list[dict[str, Any]], *, financial_year: int | None = None
    ) -> list[str]:
        """Book vouchers (the wire fields of ``POST /3/vouchers``); their keys."""

    async def connect_voucher_files(
        self, tenant_id: int, files: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Connect new archive files to vouchers (``{"voucher": key, "name"}`` each)."""


@dataclass(frozen=True)
class Passwords:
    """How passwords are hashed (``hash(password)``) and checked (``verify(hash, password)``)."""

    hash: Callable[[str], str]
    verify: Callable[[str, str], bool]


@dataclass(frozen=True)
class DemoData:
    """What a new demo tenant starts with: host records (entity, external id, payload), flow
    configurations (flow, enabled, settings), written in this order, and the flow families it
    uses."""

    records: Sequence[tuple[str, str, dict[str, Any]]]
    flows: Sequence[tuple[str, bool, dict[str, Any]]]
    families: Sequence[str] = ("hr", "payroll")


@dataclass(frozen=True)
class DemoLedger:
    """The bookkeeping a new demo company gets: vouchers (the wire fields of ``POST
    /3/vouchers``) and the documents connected to them (``(index of the voucher, file name)``)."""

    vouchers: Sequence[dict[str, Any]]
    documents: Sequence[tuple[int, str]]


@dataclass(frozen=True)
class LedgerCounts:
    """What the bridge holds of a tenant's ledger: years synced, vouchers, documents."""

    years: int
    vouchers: int
    documents: int


@dataclass(frozen=True)
class DemoPlan:
    """The demo to set up: the tenant's name, its data (made only for a new tenant), the admin
    user, the company's name and seed, and the key and password the caller kept last time."""

    tenant: str
    data: Callable[[], DemoData]
    admin_email: str
    admin_name: str
    company_name: str
    company_seed: str
    known_key: str | None = None
    known_password: str | None = None
    #: The bookkeeping a new company gets (``None``: none beyond its seed).
    ledger: Callable[[], DemoLedger] | None = None


@dataclass(frozen=True)
class DemoSetup:
    """The demo as set up: ``created`` when the tenant was made now; ``lost_company`` the
    company that had gone (``forgotten_links`` links to it forgotten), else ``None``."""

    tenant_id: int
    api_key: str
    fortnox_tenant_id: int
    admin_password: str
    created: bool
    lost_company: int | None = None
    forgotten_links: int = 0


class DemoSeeder:
    """Sets up the demo's tenant in the store (see the module's docstring)."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def prepare(
        self, plan: DemoPlan, companies: Companies, passwords: Passwords
    ) -> DemoSetup:
        """The demo's tenant, key, company and admin password, made where missing; all in one
        transaction."""
        with self.sessions.begin() as session:
            tenants = TenantRepository(session)
            tenant = tenants.by_name(plan.tenant)
            created = tenant is None
            if tenant is None:
                tenant = tenants.create(plan.tenant, now=self.clock.now())
                data = plan.data()
                tenant.families = list(data.families)
                self._write(session, tenant.id, data)
            api_key = plan.known_key
            owner = tenants.tenant_for_api_key(api_key) if api_key else None
            if not (api_key and getattr(owner, "id", None) == tenant.id):
                api_key = tenants.issue_api_key(tenant, label="demo", now=self.clock.now())
            lost, forgotten = await self._company(session, tenant, plan, companies)
            password = self._admin(session, plan, passwords)
            assert tenant.fortnox_tenant_id is not None
            return DemoSetup(
                tenant.id, api_key, tenant.fortnox_tenant_id, password, created, lost, forgotten
            )

    def _write(self, session: Session, tenant_id: int, data: DemoData) -> None:
        now = self.clock.now()
        mirror = MirrorRepository(session)
        for entity, external_id, payload in data.records:
            mirror.upsert(tenant_id, entity, external_id, payload, now=now)
        configs = FlowConfigRepository(session)
        for flow, enabled, settings in data.flows:
            configs.put(tenant_id, flow, enabled=enabled, settings=settings, now=now)

    async def _company(
        self, session: Session, tenant: Tenant, plan: DemoPlan, companies: Companies
    ) -> tuple[int | None, int]:
        """Give the tenant a new company when it has none or its company is gone (whose links
        are then forgotten); the gone company and the number of links forgotten."""
        company = tenant.fortnox_tenant_id
        if company is not None and await companies.company_exists(company):
            return None, 0
        forgotten = LinkRepository(session).forget_tenant(tenant.id) if company is not None else 0
        made = await companies.create_company(plan.company_name, seed=plan.company_seed)
        tenant.fortnox_tenant_id = int(made["tenant_id"])
        if plan.ledger is not None:
            await self._book(companies, tenant.fortnox_tenant_id, plan.ledger())
        return company, forgotten

    @staticmethod
    async def _book(companies: Companies, company: int, ledger: DemoLedger) -> None:
        """Book the demo's vouchers in the new company and connect their documents."""
        keys = await companies.seed_vouchers(company, list(ledger.vouchers))
        files = [{"voucher": keys[index], "name": name} for index, name in ledger.documents]
        if files:
            await companies.connect_voucher_files(company, files)

    def ledger_counts(self, tenant_id: int) -> LedgerCounts:
        """The tenant's synced years, their vouchers and the documents linked to them."""
        with self.sessions.begin() as session:
            years = session.scalar(
                select(func.count())
                .select_from(LedgerYear)
                .where(LedgerYear.tenant_id == tenant_id, LedgerYear.synced_at.is_not(None))
            )
            vouchers = session.scalar(
                select(func.count())
                .select_from(LedgerVoucher)
                .join(LedgerYear, LedgerYear.id == LedgerVoucher.year_id)
                .where(LedgerYear.tenant_id == tenant_id)
            )
            documents = session.scalar(
                select(func.count(func.distinct(LedgerVoucherDocument.document_id)))
                .join(LedgerVoucher, LedgerVoucher.id == LedgerVoucherDocument.voucher_id)
                .join(LedgerYear, LedgerYear.id == LedgerVoucher.year_id)
                .where(LedgerYear.tenant_id == tenant_id)
            )
        return LedgerCounts(int(years or 0), int(vouchers or 0), int(documents or 0))

    def _admin(self, session: Session, plan: DemoPlan, passwords: Passwords) -> str:
        """The admin user's password: the known one while it still signs in, else a new one
        (the user is made on the first run)."""
        users = AdminUserRepository(session)
        user = users.by_email(plan.admin_email)
        known = plan.known_password
        if user is not None and known and passwords.verify(user.password_hash, known):
            return known
        password = secrets.token_urlsafe(12)
        if user is None:
            users.create(
                plan.admin_email, plan.admin_name, passwords.hash(password), now=self.clock.now()
            )
        else:
            users.set_password(user, passwords.hash(password))
        return password
