"""How the services reach the engine when one runs beside the front ends (``serve``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fortnox_bridge.engine.jobs.dispatch import Dispatcher
from fortnox_bridge.engine.jobs.metrics import Metrics
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.outbox.events import EventBus, Sleep
from fortnox_bridge.engine.outbox.outbound import OutboundPolicy
from fortnox_bridge.engine.tenancy.crypto import TokenCipher

if TYPE_CHECKING:
    from fortnox_bridge.services.connection import Consent

#: Called as ``on_change(tenant_id, entity, external_id)`` after a host record changed.
OnChange = Callable[[int, str, str], None]


@dataclass
class EngineHooks:
    """How the front ends reach the engine when one runs beside them (``serve``)."""

    on_change: OnChange | None = None
    dispatcher: Dispatcher | None = None
    metrics: Metrics | None = None
    #: Runs a sync that is waited for or planned, the pre-flight check and re-sync jobs.
    service: SyncService | None = None
    #: Wakes event long-polls when the engine commits events; without one the API attaches its
    #: own to ``sessions``.
    events: EventBus | None = None
    #: How long-polls wait between looks at the database (default: the clock's sleep, if it has
    #: one, else real time).
    sleep: Sleep | None = None
    #: Encrypts webhook signing secrets with the bridge's secret key; without it no webhook
    #: endpoint can be registered (503).
    cipher: TokenCipher | None = None
    #: Which webhook receiver addresses may be registered; default: from the settings
    #: (public addresses and ``webhook_allow_networks``).
    outbound: OutboundPolicy | None = None
    #: Asks Fortnox for approvals and exchanges their codes (``/api/v1/connection``); without
    #: it connecting through the API answers 503.
    consent: Consent | None = None
