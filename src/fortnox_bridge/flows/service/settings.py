"""The service family's one settings model.

Every flow of the family runs with the same settings: they are stored once, as the settings of
the order push (:data:`SETTINGS_FLOW`), and every other service flow declares
``Settings = ServiceSettings`` and ``settings_flow = SETTINGS_FLOW``. Each field carries its
English label and help (``title``, ``description``) and, in ``json_schema_extra``, its group
(a key of :data:`GROUPS`) and its Swedish label and help (``sv``).
"""

from __future__ import annotations

from pydantic import model_validator

from fortnox_bridge.flows.service.settings_base import GROUPS
from fortnox_bridge.flows.service.settings_rows import CostCenterSettings

__all__ = ["GROUPS", "SETTINGS_FLOW", "ServiceSettings"]

#: The flow whose stored settings every service flow runs with.
SETTINGS_FLOW = "service.service_order.push"


class ServiceSettings(CostCenterSettings):
    """Every setting of the service family (see the groups in :data:`GROUPS`)."""

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSettings:
        if self.omit_order_number and (
            self.order_number_as_your_order_number or self.order_number_in_comment
        ):
            raise ValueError(
                "omit_order_number leaves the order number out of the document, yet "
                "order_number_as_your_order_number or order_number_in_comment asks to place "
                "it: turn one of them off"
            )
        if self.send_invoice and not self.create_invoice:
            raise ValueError(
                "send_invoice e-mails the invoice the bridge creates, but create_invoice is "
                "off (the bridge creates orders): turn create_invoice on, or send_invoice off"
            )
        if self.cost_center is not None and self.cost_center in self.ignore_cost_centers:
            raise ValueError(
                f"cost_center {self.cost_center!r} is added to every row but is also in "
                "ignore_cost_centers, which keeps it off the rows: remove it from one of them"
            )
        return self
