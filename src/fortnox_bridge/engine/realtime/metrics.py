"""Prometheus metrics of the stream, read when ``/metrics`` is scraped: whether this process's
listeners are connected, the events accepted and dropped as duplicates (their rate is the
events per second), and per topic how long the oldest event not yet read has waited (the lag
of the reads behind Fortnox's changes)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from fortnox_bridge.engine.realtime.service import RealtimeService
from fortnox_bridge.store.models import RealtimeEvent


class RealtimeCollector(Collector):
    """The stream's metrics of one process."""

    def __init__(self, service: RealtimeService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        """Connection state per app led here, events by result, lag per topic."""
        connected = GaugeMetricFamily(
            "fortnox_bridge_realtime_connected",
            "1 when this process's stream of the Fortnox app is connected, else 0.",
            labels=["app"],
        )
        for app, state in sorted(self.service.status().items()):
            connected.add_metric([app], 1.0 if state == "connected" else 0.0)
        events = CounterMetricFamily(
            "fortnox_bridge_realtime_events",
            "Events of Fortnox's topics taken by this process, by result.",
            labels=["result"],
        )
        intake = self.service.intake
        events.add_metric(["accepted"], float(intake.accepted))
        events.add_metric(["duplicate"], float(intake.duplicates))
        lag = GaugeMetricFamily(
            "fortnox_bridge_realtime_lag_seconds",
            "Seconds the oldest event not yet read has waited, by topic.",
            labels=["topic"],
        )
        now = self.service.clock.now()
        with self.service.sessions.begin() as session:
            rows = session.execute(
                select(RealtimeEvent.topic, func.min(RealtimeEvent.received_at))
                .where(RealtimeEvent.handled_at.is_(None))
                .group_by(RealtimeEvent.topic)
            ).all()
        waiting = {str(topic): oldest for topic, oldest in rows}
        for topic in sorted(set(self.service.topics) | set(waiting)):
            oldest = waiting.get(topic)
            lag.add_metric([topic], (now - oldest).total_seconds() if oldest else 0.0)
        yield connected
        yield events
        yield lag
