from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import pytest
from pydantic import BaseModel

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.base import Flow, changed_fields, fingerprint
from fortnox_bridge.engine.flow.registry import discover_flows


def test_fingerprint_ignores_key_order_and_sees_values() -> None:
    assert fingerprint({"a": 1, "b": "x"}) == fingerprint({"b": "x", "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert len(fingerprint({})) == 64


def test_changed_fields_sends_only_differences_and_blanks_removed_fields() -> None:
    before = {"first_name": "Eva", "city": "Lund", "phone1": "070"}
    after = {"first_name": "Eva", "city": "Malmö", "email": "eva@x.se"}
    assert changed_fields(before, after) == {"city": "Malmö", "email": "eva@x.se", "phone1": None}
    assert changed_fields(after, after) == {}


def test_discovery_finds_the_hr_employee_push_flow() -> None:
    flows = discover_flows()
    names = [flow.name for flow in flows]
    assert "hr.employee.push" in names
    keys = [(flow.order, flow.name) for flow in flows]
    assert keys == sorted(keys)


class _Record(BaseModel):
    x: int


def _flow(name: str, direction: Literal["push", "pull"] = "push") -> type[Flow]:
    class Broken(Flow):
        entity: ClassVar[str] = "thing"
        resource: ClassVar[str] = "things"
        fortnox_id_field: ClassVar[str] = "id"
        record_model: ClassVar[type[BaseModel]] = _Record

        @staticmethod
        def map(record: Mapping[str, Any]) -> dict[str, Any]:
            return dict(record)

    Broken.name = name  # type: ignore[misc]
    Broken.direction = direction  # type: ignore[misc]
    return Broken


@pytest.mark.parametrize(
    ("name", "direction", "message"),
    [
        ("employee-push", "push", "must look like"),
        ("hr.employee.push", "pull", "does not end with its direction"),
    ],
)
def test_malformed_flow_heads_are_rejected(
    name: str, direction: Literal["push", "pull"], message: str
) -> None:
    with pytest.raises(FlowDefinitionError, match=message):
        _flow(name, direction).check_definition()


def test_missing_head_attribute_is_named() -> None:
    class NoResource(Flow):
        name: ClassVar[str] = "hr.thing.push"

    with pytest.raises(FlowDefinitionError, match="'entity'"):
        NoResource.check_definition()
