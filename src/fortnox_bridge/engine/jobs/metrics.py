"""Prometheus metrics of the engine, in a registry of their own (no module-level state).

Counters and a histogram are fed by every finished run; gauges of the store (open problems,
open conflicts, connections by state) are read from the database when ``/metrics`` is scraped.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.results import COUNTERS, RunSummary
from fortnox_bridge.store.models import Base, Conflict, Connection, Problem

#: The content type of the Prometheus text format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StoreCollector(Collector):
    """Gauges computed from the store on each scrape."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        """Open problems, open conflicts and connections by state."""
        problems = GaugeMetricFamily(
            "fortnox_bridge_open_problems", "Problems not resolved yet, all tenants."
        )
        conflicts = GaugeMetricFamily(
            "fortnox_bridge_open_conflicts", "Conflicts waiting for a decision, all tenants."
        )
        states = GaugeMetricFamily(
            "fortnox_bridge_connections", "Tenant connections by state.", labels=["state"]
        )
        with self.sessions.begin() as session:
            problems.add_metric([], _count(session, Problem, Problem.resolved_at.is_(None)))
            conflicts.add_metric([], _count(session, Conflict, Conflict.status == "open"))
            rows = session.execute(
                select(Connection.state, func.count()).group_by(Connection.state)
            )
            for state, count in rows:
                states.add_metric([str(state)], float(count))
        yield problems
        yield conflicts
        yield states


def _count(session: Session, model: type[Base], condition: ColumnElement[bool]) -> float:
    found = session.scalar(select(func.count()).select_from(model).where(condition))
    return float(found or 0)


class Metrics:
    """The engine's metrics; also a ``RunObserver`` for the sync service."""

    def __init__(self, sessions: sessionmaker[Session] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "fortnox_bridge_runs",
            "Runs by kind and status.",
            ["kind", "status"],
            registry=self.registry,
        )
        self.items = Counter(
            "fortnox_bridge_items",
            "Records handled by flow and outcome.",
            ["flow", "outcome"],
            registry=self.registry,
        )
        self.requests = Counter(
            "fortnox_bridge_fortnox_requests",
            "Requests sent to Fortnox by flow.",
            ["flow"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "fortnox_bridge_run_seconds",
            "Duration of runs by kind.",
            ["kind"],
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600),
            registry=self.registry,
        )
        if sessions is not None:
            self.registry.register(StoreCollector(sessions))

    def observe(self, summary: RunSummary, kind: str, seconds: float) -> None:
        """Count one finished run."""
        self.runs.labels(kind, summary.status).inc()
        self.seconds.labels(kind).observe(seconds)
        for result in summary.flows:
            self.requests.labels(result.flow).inc(result.requests)
            for counter in COUNTERS:
                value = getattr(result, counter)
                if value:
                    self.items.labels(result.flow, counter).inc(value)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
