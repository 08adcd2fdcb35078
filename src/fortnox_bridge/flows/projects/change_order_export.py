"""``projects.change_order.push``: host change orders → Fortnox projects of their own
(``/3/projects``), numbered ``<project number>_Ä<change order number in three digits>``
(``10000_Ä001``).

How an order becomes a project is shared with the work-order export
(:mod:`~fortnox_bridge.flows.projects.order_export`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from fortnox_bridge.engine.sync.deriving import PartFlow
from fortnox_bridge.flows.projects.order_export import OrderExport, OrderProjectPart
from fortnox_bridge.flows.projects.order_projects import OrderKind
from fortnox_bridge.flows.projects.records import HostChangeOrder


class ChangeOrderProjectPart(OrderProjectPart):
    """The Fortnox project of one change order."""

    name: ClassVar[str] = "projects.change_order.push"
    entity: ClassVar[str] = "change_order_project"


class ChangeOrderExport(OrderExport):
    """One Fortnox project per change order."""

    name: ClassVar[str] = "projects.change_order.push"
    entity: ClassVar[str] = "change_order"
    record_model: ClassVar[type[BaseModel]] = HostChangeOrder
    part: ClassVar[type[PartFlow]] = ChangeOrderProjectPart
    # After the projects (210) the orders are numbered after.
    order: ClassVar[int] = 230
    standalone: ClassVar[bool] = True
    kind: ClassVar[OrderKind] = "change_order"
