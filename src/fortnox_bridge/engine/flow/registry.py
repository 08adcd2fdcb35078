"""Finding flows: every concrete :class:`Flow` subclass under ``fortnox_bridge.flows``.

Flows register by existing: discovery imports the flow packages and collects the subclasses,
so adding a flow is one file and nothing keeps module-level mutable state.
"""

from __future__ import annotations

import importlib
import pkgutil

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.base import Flow

FLOWS_PACKAGE = "fortnox_bridge.flows"


def _subclasses(cls: type[Flow]) -> list[type[Flow]]:
    found: list[type[Flow]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def discover_flows(package: str = FLOWS_PACKAGE) -> list[type[Flow]]:
    """All flows in ``package``, checked, in sweep order (``order``, then ``name``)."""
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        importlib.import_module(module.name)
    flows = [
        f
        for f in _subclasses(Flow)
        if f.__module__.startswith(package + ".") and f.standalone  # parts run with their flow
    ]
    names: dict[str, type[Flow]] = {}
    for flow in flows:
        flow.check_definition()
        if flow.name in names:
            raise FlowDefinitionError(
                f"two flows are named {flow.name!r}: {names[flow.name].__qualname__} "
                f"and {flow.__qualname__}"
            )
        names[flow.name] = flow
    for flow in flows:
        for other in flow.excludes:
            if other not in names or flow.name not in names[other].excludes:
                raise FlowDefinitionError(
                    f"flow {flow.name!r} excludes {other!r}, which is no flow excluding it"
                )
    for flow in flows:
        check_settings_flow(flow, names)
    return sorted(flows, key=lambda f: (f.order, f.name))


def check_settings_flow(flow: type[Flow], names: dict[str, type[Flow]]) -> None:
    """A flow that runs with another's settings reads them with the same model, from a flow
    that keeps its own. A holder not (yet) among the flows is allowed: the flow then runs with
    the defaults, as nothing can store settings under that name."""
    holder = names.get(flow.settings_flow) if flow.settings_flow else None
    if holder is None:
        return
    if holder.settings_flow is not None:
        raise FlowDefinitionError(
            f"flow {flow.name!r} runs with the settings of {holder.name!r}, which runs with "
            f"those of {holder.settings_flow!r}; name {holder.settings_flow!r} directly"
        )
    if holder.Settings is not flow.Settings:
        raise FlowDefinitionError(
            f"flow {flow.name!r} runs with the settings of {holder.name!r} but declares "
            f"Settings {flow.Settings.__qualname__} instead of {holder.Settings.__qualname__}"
        )
