"""``projects.work_order.push``: host work orders → Fortnox projects of their own
(``/3/projects``), numbered ``<project number>_<work order number>`` (``10000_1``).

How an order becomes a project is shared with the change-order export
(:mod:`~fortnox_bridge.flows.projects.order_export`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from fortnox_bridge.engine.sync.deriving import PartFlow
from fortnox_bridge.flows.projects.order_export import OrderExport, OrderProjectPart
from fortnox_bridge.flows.projects.order_projects import OrderKind
from fortnox_bridge.flows.projects.records import HostWorkOrder


class WorkOrderProjectPart(OrderProjectPart):
    """The Fortnox project of one work order."""

    name: ClassVar[str] = "projects.work_order.push"
    entity: ClassVar[str] = "work_order_project"


class WorkOrderExport(OrderExport):
    """One Fortnox project per work order."""

    name: ClassVar[str] = "projects.work_order.push"
    entity: ClassVar[str] = "work_order"
    record_model: ClassVar[type[BaseModel]] = HostWorkOrder
    part: ClassVar[type[PartFlow]] = WorkOrderProjectPart
    # After the projects (210) the orders are numbered after.
    order: ClassVar[int] = 220
    standalone: ClassVar[bool] = True
    kind: ClassVar[OrderKind] = "work_order"
