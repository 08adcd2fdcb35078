"""The composition root: every application service of one bridge, built once from its store,
clock, settings and the engine running beside it.

``create_app`` (the API), the web UI and ``serve`` take a :class:`Services`; tests build one with
:func:`build_services`. Front ends only adapt: they read the request, call a service, and turn
its answer (or its :mod:`~fortnox_bridge.services.errors`) into JSON or a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity, discover_entities
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.services.access import ApiAccess
from fortnox_bridge.services.conflicts import ConflictService
from fortnox_bridge.services.connection import ConnectionAdmin
from fortnox_bridge.services.demo import DemoSeeder
from fortnox_bridge.services.documents import DocumentReader
from fortnox_bridge.services.events import EventFeed
from fortnox_bridge.services.family_status import FamilyStatus
from fortnox_bridge.services.first_sync import FirstSyncService
from fortnox_bridge.services.flow_config import FlowConfigService
from fortnox_bridge.services.hooks import EngineHooks, OnChange
from fortnox_bridge.services.idempotency import IdempotencyService
from fortnox_bridge.services.jobs import BackgroundJobs
from fortnox_bridge.services.keys import KeyAdmin
from fortnox_bridge.services.ledger import LedgerService
from fortnox_bridge.services.ledger_links import secret_keys_of
from fortnox_bridge.services.ledger_sync import LedgerSyncService
from fortnox_bridge.services.mappings import TenantMappings
from fortnox_bridge.services.operations import OperationService
from fortnox_bridge.services.overview import TenantOverview
from fortnox_bridge.services.paxml import PaxmlService
from fortnox_bridge.services.payroll_codes import PayrollCodes
from fortnox_bridge.services.problems import ProblemService
from fortnox_bridge.services.record_reads import RecordReader
from fortnox_bridge.services.record_writes import RecordWrites
from fortnox_bridge.services.resync import ResyncService
from fortnox_bridge.services.runs import RunService
from fortnox_bridge.services.service_family import ServiceFamily
from fortnox_bridge.services.service_orders import ServiceOrders
from fortnox_bridge.services.sessions import SignInSessions
from fortnox_bridge.services.status import StatusService
from fortnox_bridge.services.stream_status import StreamStatusService
from fortnox_bridge.services.sync import SyncControl
from fortnox_bridge.services.tenant_admin import TenantAdmin
from fortnox_bridge.services.tenant_status import TenantStatusReader
from fortnox_bridge.services.tenants import TenantService
from fortnox_bridge.services.webhooks import WebhookService
from fortnox_bridge.store.documents import LocalDocumentFiles

__all__ = ["EngineHooks", "OnChange", "Services", "build_services"]


@dataclass
class Services:
    """The application services of one bridge (see the module's docstring)."""

    sessions: sessionmaker[Session]
    clock: Clock
    settings: Settings
    hooks: EngineHooks
    jobs: BackgroundJobs
    flows: list[type[Flow]]
    entities: list[HostEntity]
    flow_config: FlowConfigService = field(init=False)
    sync: SyncControl = field(init=False)
    resync: ResyncService = field(init=False)
    connection: ConnectionAdmin = field(init=False)
    webhooks: WebhookService = field(init=False)
    problems: ProblemService = field(init=False)
    conflicts: ConflictService = field(init=False)
    runs: RunService = field(init=False)
    status: StatusService = field(init=False)
    family_status: FamilyStatus = field(init=False)
    streams: StreamStatusService = field(init=False)
    tenants: TenantService = field(init=False)
    payroll_codes: PayrollCodes = field(init=False)
    mappings: TenantMappings = field(init=False)
    events: EventFeed = field(init=False)
    operations: OperationService = field(init=False)
    paxml: PaxmlService = field(init=False)
    records: RecordReader = field(init=False)
    first_sync: FirstSyncService = field(init=False)
    # What the command line manages: keys, tenants, a status in full, the demo's data.
    keys: KeyAdmin = field(init=False)
    tenant_admin: TenantAdmin = field(init=False)
    tenant_status: TenantStatusReader = field(init=False)
    demo: DemoSeeder = field(init=False)
    sign_ins: SignInSessions = field(init=False)
    overview: TenantOverview = field(init=False)
    access: ApiAccess = field(init=False)
    idempotency: IdempotencyService = field(init=False)
    record_writes: RecordWrites = field(init=False)
    documents: DocumentReader = field(init=False)
    ledger: LedgerService = field(init=False)
    ledger_sync: LedgerSyncService = field(init=False)
    service_family: ServiceFamily = field(init=False)
    service_orders: ServiceOrders = field(init=False)

    def __post_init__(self) -> None:
        hooks = self.hooks
        self.flow_config = FlowConfigService(self.sessions, self.clock, self.flows)
        self.sync = SyncControl(self.sessions, self.flow_config, hooks)
        self.resync = ResyncService(
            self.sessions, self.clock, hooks, jobs=self.jobs, flows=self.flows
        )
        self.connection = ConnectionAdmin(
            self.sessions, hooks, scopes_of=self.flow_config.consent_scopes
        )
        self.webhooks = WebhookService(self.sessions, self.clock, hooks, self.settings)
        self.problems = ProblemService(self.sessions, self.clock)
        self.conflicts = ConflictService(self.sessions, self.clock, hooks, self.flows)
        self.runs = RunService(self.sessions, self.clock)
        self.status = StatusService(self.sessions)
        self.family_status = FamilyStatus(self.sessions, self.flow_config.enabled_flows)
        self.streams = StreamStatusService(self.sessions, self.clock)
        self.tenants = TenantService(self.sessions, self.clock, self.flow_config.families())
        self.events = EventFeed(self.sessions, self.clock, hooks)
        self.operations = OperationService(self.sessions, self.entities)
        self.records = RecordReader(self.sessions)
        self.paxml = PaxmlService(self.sessions, self.clock, hooks, self.entities, self.flows)
        self.payroll_codes = PayrollCodes(
            self.sessions, self.clock, hooks, self.flows, self.entities
        )
        self.mappings = TenantMappings(self.sessions, self.clock, self.flows)
        self.first_sync = FirstSyncService(self.sessions, self.clock, hooks)
        self.keys = KeyAdmin(self.sessions, self.clock)
        self.tenant_admin = TenantAdmin(self.sessions, self.clock, self.flows)
        self.tenant_status = TenantStatusReader(self.sessions)
        self.demo = DemoSeeder(self.sessions, self.clock)
        self.sign_ins = SignInSessions(self.sessions)
        self.overview = TenantOverview(self.sessions)
        self.ledger_sync = LedgerSyncService(self.sessions, self.clock, hooks, self.jobs)
        self.service_family = ServiceFamily(self.sessions, self.flow_config)
        self._build_api_services()

    def _build_api_services(self) -> None:
        """The services only the API uses: key checks, kept answers and record writes."""
        self.access = ApiAccess(self.sessions, self.clock)
        retention = timedelta(hours=self.settings.idempotency_retention_hours)
        self.idempotency = IdempotencyService(self.sessions, self.clock, retention)
        self.record_writes = RecordWrites(self.sessions, self.clock)
        files = LocalDocumentFiles.in_data_dir(self.settings.data_dir)
        self.documents = DocumentReader(self.sessions, files)
        self.ledger = LedgerService(
            self.sessions,
            self.clock,
            files,
            secret_keys=secret_keys_of(self.settings),
            link_lifetime=timedelta(minutes=self.settings.ledger_link_minutes),
        )
        self.service_orders = ServiceOrders(
            self.sessions,
            self.clock,
            self.hooks,
            self.entities,
            self.flows,
            secret_keys=secret_keys_of(self.settings),
            link_lifetime=timedelta(minutes=self.settings.ledger_link_minutes),
        )


def build_services(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    settings: Settings | None = None,
    hooks: EngineHooks | None = None,
    flows: Sequence[type[Flow]] | None = None,
    entities: Sequence[HostEntity] | None = None,
    jobs: BackgroundJobs | None = None,
) -> Services:
    """The services over the store behind ``sessions``; flows and host entities default to the
    discovered ones, settings to the defaults, and the engine to none (read-only)."""
    return Services(
        sessions=sessions,
        clock=clock,
        settings=settings or Settings(),
        hooks=hooks or EngineHooks(),
        jobs=jobs or BackgroundJobs(),
        flows=list(flows) if flows is not None else discover_flows(),
        entities=list(entities) if entities is not None else discover_entities(),
    )
