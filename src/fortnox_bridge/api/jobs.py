"""The background jobs of the API and the UI (kept in :mod:`fortnox_bridge.services.jobs`)."""

from fortnox_bridge.services.jobs import BackgroundJobs

__all__ = ["BackgroundJobs"]
