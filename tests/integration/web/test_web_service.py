"""The Service tab over the real store (SQLite and PostgreSQL): the service family's one
settings form in its groups and in both languages, saved as the settings of the family's
settings flow (a bad value refused beside its field, in Swedish on a Swedish page, nothing
saved), the family's flows, and the service orders with their integration reference, invoiced
status and invoice link."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.flows.service.settings import GROUPS, SETTINGS_FLOW
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of

ORDERS: dict[str, dict[str, Any]] = {
    "SO-1": {"kind": "service", "customer_number": "5001", "order_date": "2026-11-30",
             "fortnox_reference": "17", "fortnox_document": "order", "invoiced": True,
             "invoiced_on": "2026-12-02"},
    "AO-2": {"kind": "work", "customer_number": "5002", "order_date": "2026-12-01",
             "fortnox_reference": "18", "fortnox_document": "order"},
    "FO-3": {"kind": "sales", "customer_number": "5003", "order_date": "2026-12-02"},
}  # fmt: skip


@pytest.fixture
def tenant_id(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    """A tenant of the service family with three orders: one sent and invoiced, one sent, one
    not sent yet."""
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Service AB", now=clock.now())
        tenant.families = ["service"]
        mirror = MirrorRepository(session)
        for number, payload in ORDERS.items():
            mirror.upsert(
                tenant.id, "service_order", number, {"number": number, **payload}, now=clock.now()
            )
        return tenant.id


def _swedish(client: TestClient, tenant_id: int) -> None:
    page = client.get(f"/ui/tenants/{tenant_id}/service").text
    back = f"/tenants/{tenant_id}/service"
    client.post("/ui/language", data={"language": "sv", "back": back, "csrf_token": csrf_of(page)})


def _settings(sessions: sessionmaker[Session], tenant_id: int) -> dict[str, Any] | None:
    with sessions.begin() as session:
        row = FlowConfigRepository(session).for_tenant(tenant_id).get(SETTINGS_FLOW)
        return dict(row.settings) if row is not None else None


def _legends(html: str) -> list[str]:
    section = html[html.index('id="settings"') :]
    return re.findall(r"<legend>([^<]*)</legend>", section)


def test_the_settings_form_comes_in_its_groups_in_english_and_swedish(
    signed_in: TestClient, tenant_id: int
) -> None:
    page = signed_in.get(f"/ui/tenants/{tenant_id}/service")
    assert page.status_code == 200
    assert _legends(page.text) == [english for english, _ in GROUPS.values()]
    assert ">Service</a>" in page.text  # the tab
    assert 'name="setting-no_price_articles" type="text"' in page.text
    assert '<option value="to_fortnox" >To Fortnox only</option>' in page.text
    assert 'data-flow="service.service_order.push"' in page.text
    _swedish(signed_in, tenant_id)
    swedish = signed_in.get(f"/ui/tenants/{tenant_id}/service").text
    assert _legends(swedish) == [sv for _, sv in GROUPS.values()]
    assert "Maximalt antal tecken vid visning av serviceobjektets serienummer" in swedish
    assert '<option value="both" selected>Åt båda hållen</option>' in swedish
    assert "Senaste lyckade synk" in swedish


def test_saving_the_settings_stores_them_on_the_settings_flow(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant_id}/service").text)
    saved = signed_in.post(
        f"/ui/tenants/{tenant_id}/service/settings",
        data={
            "setting-create_invoice": "true",
            "setting-no_price_articles": "12;13",
            "setting-customers": "to_fortnox",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    stored = _settings(sessions, tenant_id)
    assert stored is not None
    assert (stored["create_invoice"], stored["no_price_articles"], stored["customers"]) == (
        True,
        ["12", "13"],
        "to_fortnox",
    )
    page = signed_in.get(f"/ui/tenants/{tenant_id}/service").text
    assert 'name="setting-no_price_articles" type="text" value="12; 13"' in page
    assert "Saved the service settings." in page


@pytest.mark.parametrize(
    ("form", "where", "english", "swedish"),
    [
        ({"setting-serial_number_length": "-1"}, "e-service-serial_number_length",
         "greater than or equal to 0", "Ange ett tal som är minst 0."),
        ({"setting-invoiced_when": "paid"}, "e-service-invoiced_when",
         "'sent', 'booked' or 'invoiced'", "Välj ett av: 'sent', 'booked', 'invoiced'."),
    ],
)  # fmt: skip
def test_a_bad_setting_is_refused_beside_its_field_in_the_page_language(
    signed_in: TestClient,
    tenant_id: int,
    sessions: sessionmaker[Session],
    form: dict[str, str],
    where: str,
    english: str,
    swedish: str,
) -> None:
    url = f"/ui/tenants/{tenant_id}/service/settings"
    for language, expected in (("en", english), ("sv", swedish)):
        if language == "sv":
            _swedish(signed_in, tenant_id)
        token = csrf_of(signed_in.get(f"/ui/tenants/{tenant_id}/service").text)
        answer = signed_in.post(url, data={**form, "csrf_token": token})
        assert answer.status_code == 400
        found = re.search(rf'<p class="field-error" id="{where}">([^<]*)</p>', answer.text)
        assert found, answer.text
        assert expected in html.unescape(found.group(1))
        assert f'value="{next(iter(form.values()))}"' in answer.text or "paid" in form.values()
    assert _settings(sessions, tenant_id) is None


def test_settings_that_contradict_each_other_are_refused_for_the_form(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant_id}/service").text)
    answer = signed_in.post(
        f"/ui/tenants/{tenant_id}/service/settings",
        data={"setting-send_invoice": "true", "csrf_token": token},
    )
    assert answer.status_code == 400
    assert '<div class="form-error" role="alert">Send_invoice e-mails the invoice' in answer.text
    assert _settings(sessions, tenant_id) is None


def test_the_orders_with_their_reference_invoiced_status_and_invoice(
    signed_in: TestClient, tenant_id: int
) -> None:
    page = signed_in.get(f"/ui/tenants/{tenant_id}/service").text
    rows = dict(re.findall(r'<tr data-order="([^"]+)">(.*?)</tr>', page, flags=re.S))
    assert set(rows) == set(ORDERS)
    assert 'data-reference="17">Order 17' in rows["SO-1"]
    assert 'data-invoiced="yes">Yes <span class="muted small">2026-12-02</span>' in rows["SO-1"]
    assert 'data-invoiced="no">No' in rows["AO-2"]
    assert "Not sent yet" in rows["FO-3"]
    assert [number for number, row in rows.items() if "data-pdf" in row] == ["SO-1"]
    # Without the engine beside the UI, Fortnox cannot be read: said so, in a page.
    pdf = signed_in.get(f"/ui/tenants/{tenant_id}/service/orders/SO-1/invoice.pdf")
    assert pdf.status_code == 503
    missing = signed_in.get(f"/ui/tenants/{tenant_id}/service/orders/NO-SUCH/invoice.pdf")
    assert missing.status_code == 404
    _swedish(signed_in, tenant_id)
    swedish = signed_in.get(f"/ui/tenants/{tenant_id}/service").text
    assert 'data-reference="17">Order 17' in swedish
    assert "Inte skickad än" in swedish
    assert "Integrationsreferens" in swedish
