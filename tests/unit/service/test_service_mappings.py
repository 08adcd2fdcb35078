"""The tenant's mappings of the service family: the application's cost centres and technicians
as Fortnox knows them, on orders and time reports."""

from __future__ import annotations

from typing import Any

import pytest

from fortnox_bridge.engine.flow.base import Excluded
from fortnox_bridge.flows.service.order_push import ServiceOrderPush
from fortnox_bridge.flows.service.settings import ServiceSettings
from fortnox_bridge.flows.service.time_report_push import TimeReportPush

ORDER: dict[str, Any] = {
    "number": "7",
    "kind": "work",
    "customer_number": "1001",
    "order_date": "2026-03-02",
    "ready": True,
    "cost_center": "Syd",
    "rows": [
        {"type": "article", "article_number": "A1", "quantity": "1", "cost_center": "Norr"},
        {"type": "article", "article_number": "A2", "quantity": "2", "cost_center": "Lager"},
        {"type": "article", "article_number": "A3", "quantity": "3"},
    ],
}
MAPPINGS = {"service_cost_center": {"Syd": "200", "Norr": "100", "Lager": None}}


def _row_centres(push: ServiceOrderPush) -> list[str | None]:
    rows = push.build(ORDER).fields["OrderRows"]
    return [row.get("CostCenter") for row in rows]


def test_an_orders_cost_centres_are_sent_as_the_tenant_maps_them() -> None:
    settings = ServiceSettings(user_cost_center_on_rows=True)
    plain = ServiceOrderPush(settings)
    assert _row_centres(plain) == ["Norr", "Lager", "Syd"]
    mapped = ServiceOrderPush(settings, MAPPINGS)
    # Norr → 100, Lager excluded (the row gets the user's centre), the user's Syd → 200.
    assert _row_centres(mapped) == ["100", "200", "200"]
    assert mapped.build(ORDER).cost_centers == frozenset({"100", "200"})
    assert ServiceOrderPush.mapping_kinds[0].kind == "service_cost_center"


REPORT = {"employee_number": "anna", "date": "2026-03-02", "hours": "8", "code": "TID"}


def test_a_time_reports_technician_and_cost_centre_follow_the_mappings() -> None:
    settings = ServiceSettings(time_reports=True)
    mappings = {"service_employee": {"anna": "12", "bo": None}, **MAPPINGS}
    push = TimeReportPush(settings, mappings)
    fields = push.map({**REPORT, "cost_center": "Norr"})
    assert (fields["employee_id"], fields["cost_center"]) == ("12", "100")
    unmapped = push.map({**REPORT, "employee_number": "15"})
    assert unmapped["employee_id"] == "15"
    assert "cost_center" not in unmapped
    with pytest.raises(Excluded, match="employee bo is excluded"):
        push.map({**REPORT, "employee_number": "bo"})
    assert {k.kind for k in TimeReportPush.mapping_kinds} == {
        "service_employee",
        "service_cost_center",
    }
