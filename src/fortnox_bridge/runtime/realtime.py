"""The real-time listener of a worker process, built from the settings (see
``engine/realtime/``): every process that runs jobs runs one, and only the holder of an app's
lease connects. Embedded: events become jobs of the in-process dispatcher after they are
stored; distributed: the fetch job is queued in the transaction that stores the event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.jobs.dispatch import Dispatcher
from fortnox_bridge.engine.realtime.directory import TenantDirectory
from fortnox_bridge.engine.realtime.health import mark_stream
from fortnox_bridge.engine.realtime.intake import DeferIn, Intake
from fortnox_bridge.engine.realtime.metrics import RealtimeCollector
from fortnox_bridge.engine.realtime.service import RealtimeService
from fortnox_bridge.engine.tenancy.clients import ConnectionClients
from fortnox_bridge.engine.tenancy.workers import new_worker_id
from fortnox_bridge.runtime.stack import Stack


def listened_topics(settings: Settings, flows: Sequence[type[Flow]]) -> list[str]:
    """The topics to listen to: the setting's, else those the flows declare (``topics``)."""
    if settings.realtime_topics:
        return list(dict.fromkeys(settings.realtime_topics))
    declared = (topic for flow in flows for topic in getattr(flow, "topics", ()))
    return sorted(set(declared))


def open_realtime(
    stack: Stack, dispatcher: Dispatcher, *, defer_in: DeferIn | None = None
) -> RealtimeService | None:
    """The process's real-time service, or ``None`` when it is off, there is no stream to
    listen to (an in-process sandbox) or no topic to listen for."""
    config = stack.settings
    url = config.effective_realtime_url
    clients = stack.service.clients
    topics = listened_topics(config, stack.flows)
    if not config.realtime_enabled or url is None or not topics:
        return None
    if not isinstance(clients, ConnectionClients):
        return None
    service = RealtimeService(
        stack.sessions,
        TenantDirectory(stack.sessions, clients),
        Intake(stack.sessions, stack.clock, dispatcher, defer_in=defer_in),
        holder=new_worker_id(),
        clock=stack.clock,
        url=url,
        topics=topics,
        ttl=timedelta(seconds=config.realtime_lease_seconds),
        renew=timedelta(seconds=config.realtime_renew_seconds),
        # The scheduler stretches the sweeps while the stream is healthy.
        health=lambda app, ok: mark_stream(stack.sessions, app, ok, stack.clock.now()),
    )
    stack.metrics.registry.register(RealtimeCollector(service))  # served at /metrics
    return service
