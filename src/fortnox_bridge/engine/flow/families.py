"""Flow families: the packages of ``fortnox_bridge.flows`` and what each reads besides its flows.

A family is a package of ``flows/`` (``flows/common`` is none): the family of its flows, or a
package that declares ``READS``, the ``FortnoxClient`` attributes the family reads without a
flow of its own (the ledger family reads whole financial years through a service, not through
flows). The scopes a tenant's consent asks for follow from those reads as from a flow's
(``engine/sync/scopes.py``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.base import Flow, family_of, scope_of

FLOWS_PACKAGE = "fortnox_bridge.flows"
#: The package of what more than one family needs: no family.
COMMON = "common"


def declared_reads(family: str, package: str = FLOWS_PACKAGE) -> tuple[str, ...]:
    """What ``family`` declares it reads besides its flows (its package's ``READS``)."""
    try:
        module = importlib.import_module(f"{package}.{family}")
    except ModuleNotFoundError:
        return ()
    reads = getattr(module, "READS", ())
    if not isinstance(reads, tuple) or not all(isinstance(r, str) for r in reads):
        raise FlowDefinitionError(f"{package}.{family}.READS must be a tuple of resource names")
    for resource in reads:
        scope_of(resource)  # every resource it reads is one the client has
    return reads


def reading_families(package: str = FLOWS_PACKAGE) -> list[str]:
    """The families that declare reads of their own, by name."""
    root = importlib.import_module(package)
    names = [m.name for m in pkgutil.iter_modules(root.__path__) if m.ispkg and m.name != COMMON]
    return sorted(name for name in names if declared_reads(name, package))


def families_of(flows: Iterable[type[Flow]], package: str = FLOWS_PACKAGE) -> list[str]:
    """Every family of the bridge: those of ``flows`` and those that read without a flow."""
    return sorted({*(family_of(flow) for flow in flows), *reading_families(package)})


def family_scopes(families: Iterable[str]) -> set[str]:
    """The scopes of what ``families`` read besides their flows."""
    return {scope_of(resource) for family in families for resource in declared_reads(family)}
