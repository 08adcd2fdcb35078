"""Flows that share one settings model (the service family): the settings are stored once, on
the flow that holds them, every sharing flow runs with them, and settings given to a sharing
flow are refused with the name of the flow that holds them (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.control import flow_out
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.base import Flow, FlowSettings
from fortnox_bridge.engine.flow.registry import check_settings_flow
from fortnox_bridge.engine.sync.context import load_context
from fortnox_bridge.flows.service.order_records import HostServiceObject, HostServiceOrder
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW, ServiceSettings
from fortnox_bridge.services.errors import InvalidInput
from fortnox_bridge.services.flow_config import FlowConfigService
from fortnox_bridge.services.tenant_admin import TenantAdmin, TenantSetup
from fortnox_bridge.store.tenants import TenantRepository

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


class OrderPush(Flow):
    """Holds the family's settings."""

    name = SETTINGS_FLOW
    entity = "service_order"
    resource = "orders"
    direction = "push"
    fortnox_id_field = "document_number"
    record_model = HostServiceOrder
    Settings = ServiceSettings


class ObjectPush(Flow):
    """Runs with the order push's settings."""

    name = "service.service_object.push"
    entity = "service_object"
    resource = "orders"
    direction = "push"
    fortnox_id_field = "document_number"
    record_model = HostServiceObject
    Settings = ServiceSettings
    settings_flow = SETTINGS_FLOW


FLOWS: list[type[Flow]] = [OrderPush, ObjectPush]


@pytest.fixture
def tenant(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        row = TenantRepository(session).create("Service AB", now=NOW)
        row.families = ["service"]
        return row.id


@pytest.fixture
def configs(sessions: sessionmaker[Session]) -> FlowConfigService:
    return FlowConfigService(sessions, ManualClock(NOW), FLOWS)


def test_every_sharing_flow_runs_with_the_stored_settings(
    sessions: sessionmaker[Session], configs: FlowConfigService, tenant: int
) -> None:
    configs.change(
        tenant,
        SETTINGS_FLOW,
        enabled=None,
        settings={"sum_article_rows": True, "no_price_articles": "12;13"},
    )
    with sessions.begin() as session:
        context = load_context(session, tenant, FLOWS)
    for name in (SETTINGS_FLOW, ObjectPush.name):
        settings = context.flows[name].settings
        assert isinstance(settings, ServiceSettings)
        assert settings.sum_article_rows is True
        assert settings.no_price_articles == ["12", "13"]
    assert context.enabled == [SETTINGS_FLOW, ObjectPush.name]


def test_settings_given_to_a_sharing_flow_are_refused_naming_the_holder(
    configs: FlowConfigService, tenant: int
) -> None:
    with pytest.raises(InvalidInput) as caught:
        configs.change(tenant, ObjectPush.name, enabled=None, settings={"comments": True})
    assert caught.value.code == "settings_shared"
    assert caught.value.field == ("body", "settings")
    assert str(caught.value) == (
        "service.service_object.push runs with the settings of service.service_order.push: "
        "change them there (PATCH /api/v1/flows/service.service_order.push); this flow keeps "
        "none of its own"
    )
    assert configs.configs(tenant) == {}  # nothing stored


def test_the_command_line_set_up_refuses_them_too(
    sessions: sessionmaker[Session], configs: FlowConfigService, tenant: int
) -> None:
    admin = TenantAdmin(sessions, ManualClock(NOW), FLOWS)
    refused = TenantSetup(settings={ObjectPush.name: {"comments": True}})
    with pytest.raises(InvalidInput) as caught:
        admin.change(tenant, refused)
    assert caught.value.code == "settings_shared"
    assert caught.value.field == ("settings", ObjectPush.name)
    assert configs.configs(tenant) == {}
    admin.change(tenant, TenantSetup(settings={SETTINGS_FLOW: {"comments": True}}))
    with sessions.begin() as session:
        context = load_context(session, tenant, FLOWS)
    assert context.flows[ObjectPush.name].settings.comments is True


def test_a_sharing_flow_can_still_be_turned_off(configs: FlowConfigService, tenant: int) -> None:
    changed = configs.change(tenant, ObjectPush.name, enabled=False, settings=None)
    assert changed.enabled is False
    shown = flow_out(changed)
    assert shown.settings_flow == SETTINGS_FLOW
    assert shown.settings == {}  # shown on the flow that holds them
    assert flow_out(configs.tenant_flows(tenant)[0]).settings_flow is None


def test_the_holders_settings_are_checked_by_the_shared_model(
    configs: FlowConfigService, tenant: int
) -> None:
    with pytest.raises(ValidationError, match="turn create_invoice on, or send_invoice off"):
        configs.change(tenant, SETTINGS_FLOW, enabled=None, settings={"send_invoice": True})


class OtherSettings(FlowSettings):
    """Not the holder's model."""


class Mismatched(ObjectPush):
    name = "service.service_object.push"
    Settings = OtherSettings


class Chained(ObjectPush):
    name = "service.service_order.pull"
    settings_flow = ObjectPush.name


def test_discovery_refuses_a_sharer_with_another_model_or_a_chain() -> None:
    names: dict[str, type[Flow]] = {f.name: f for f in FLOWS}
    check_settings_flow(ObjectPush, names)
    check_settings_flow(ObjectPush, {})  # the holder not there (yet): defaults, no error
    with pytest.raises(FlowDefinitionError, match="declares Settings OtherSettings instead"):
        check_settings_flow(Mismatched, names)
    with pytest.raises(FlowDefinitionError, match=r"name 'service\.service_order\.push' directly"):
        check_settings_flow(Chained, names)


def test_a_flow_may_not_name_itself() -> None:
    class Itself(OrderPush):
        settings_flow = SETTINGS_FLOW

    with pytest.raises(FlowDefinitionError, match="names itself as settings_flow"):
        Itself.check_definition()
