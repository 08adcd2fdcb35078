"""The runner picks how a flow is applied from the flow's kind, one strategy per kind."""

from __future__ import annotations

from typing import ClassVar, Literal, get_args

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Flow, FlowKind
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.sync.deriving import is_derived
from fortnox_bridge.engine.sync.strategies import (
    STRATEGIES,
    DerivedStrategy,
    ImportStrategy,
    PullStrategy,
    PushStrategy,
    strategy_for,
)


class _Record(BaseModel):
    x: int


class _Pull(Flow):
    name: ClassVar[str] = "test.thing.pull"
    entity: ClassVar[str] = "thing"
    resource: ClassVar[str] = "things"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "thing_id"
    record_model: ClassVar[type[BaseModel]] = _Record


class _TwoWayPull(_Pull):
    counterpart: ClassVar[str | None] = "test.thing.push"


def test_every_kind_has_its_own_strategy() -> None:
    assert set(STRATEGIES) == set(get_args(FlowKind))
    assert len({id(strategy) for strategy in STRATEGIES.values()}) == len(STRATEGIES)


def test_a_pull_flow_is_two_way_with_a_counterpart_and_an_import_without() -> None:
    assert _TwoWayPull.flow_kind() == "pull"
    assert isinstance(strategy_for(_TwoWayPull()), PullStrategy)
    assert _Pull.flow_kind() == "import"
    assert isinstance(strategy_for(_Pull()), ImportStrategy)


def test_the_shipped_flows_get_the_strategy_of_their_kind() -> None:
    kinds = {flow.name: flow.flow_kind() for flow in discover_flows()}
    assert kinds["hr.employee.push"] == "push"
    assert kinds["hr.employee.pull"] == "pull"
    assert kinds["hr.absence.push"] == "derived"
    assert kinds["payroll.attendance.push"] == "derived"
    by_name = {flow.name: flow() for flow in discover_flows()}
    assert isinstance(strategy_for(by_name["hr.employee.push"]), PushStrategy)
    assert isinstance(strategy_for(by_name["hr.absence.push"]), DerivedStrategy)
    assert is_derived(by_name["payroll.absence.push"])
    assert not is_derived(by_name["hr.employee.push"])
