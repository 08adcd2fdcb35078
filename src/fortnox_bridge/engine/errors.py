"""Errors of the engine.

::

    EngineError                  root
    ├── FlowDefinitionError      a flow class is declared wrongly (found when flows are discovered)
    ├── UnknownTenantError       a run was asked for a tenant the store does not have
    ├── UnknownFlowError         no discovered flow has that name
    ├── InvalidSettingsError     flow settings or a tenant policy do not validate
    ├── SecretKeyError           the key that encrypts tokens is missing, malformed or wrong
    ├── ConnectionStateError     the connection cannot run (not active) or cannot move that way
    ├── TenantBusyError          another job is writing to the tenant's Fortnox
    ├── ConflictError            no such open conflict, or the winning values do not fit
    └── ResyncError              a re-sync cannot start (bad interval, flow has no period...)
"""

from __future__ import annotations


class EngineError(Exception):
    """Root of the engine's errors."""


class FlowDefinitionError(EngineError):
    """A flow class misses or misdeclares part of its head."""


class UnknownTenantError(EngineError):
    """No tenant with that id in the store."""


class UnknownFlowError(EngineError):
    """No discovered flow has that name."""


class InvalidSettingsError(EngineError):
    """Flow settings or a tenant policy do not validate; the message names the field."""


class SecretKeyError(EngineError):
    """The secret key is malformed, or stored tokens were encrypted with another key."""


class ConnectionStateError(EngineError):
    """The tenant's connection is not in a state that allows this (e.g. not active)."""

    def __init__(self, message: str, *, state: str | None = None) -> None:
        super().__init__(message)
        self.state = state


class SharedCompanyError(EngineError):
    """Another tenant of this bridge is connected to the Fortnox company a tenant is being
    connected to; connecting it too needs an explicit confirmation."""

    def __init__(self, company: int) -> None:
        super().__init__(
            f"Fortnox company {company} is already connected to another tenant of this bridge; "
            "connecting this tenant too makes both write to the same Fortnox company (their "
            "employees, absences and salary data mix). Connect only after confirming that both "
            "tenants should use this company"
        )
        self.company = company


class TenantBusyError(EngineError):
    """Another job holds the tenant's writer lease (see ``engine/tenancy/writer.py``)."""


class ConflictError(EngineError):
    """No such open conflict, or Fortnox's winning values do not fit the host record."""


class ResyncError(EngineError):
    """A re-sync cannot start: the interval is wrong or the flow has no period."""
