"""Errors of the engine.

::

    EngineError              root
    ├── FlowDefinitionError  a flow class is declared wrongly (found when flows are discovered)
    └── UnknownTenantError   a run was asked for a tenant the store does not have
"""

from __future__ import annotations


class EngineError(Exception):
    """Root of the engine's errors."""


class FlowDefinitionError(EngineError):
    """A flow class misses or misdeclares part of its head."""


class UnknownTenantError(EngineError):
    """No tenant with that id in the store."""
