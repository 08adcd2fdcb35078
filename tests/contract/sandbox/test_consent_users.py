"""Users of the consent page: an accounting bureau's user belongs to several companies and
chooses one at consent; the code, the tokens, their ``tenantId`` and the API calls are then that
company's. A user of one company just approves."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.auth import decode_jwt_claims
from fortnox_bridge.sandbox.control_client import SandboxControl, SandboxControlError

from .test_oauth import REDIRECT, token_call

QUERY = {"response_type": "code", "state": "xyz", "scope": "companyinformation bookkeeping"}


@pytest.fixture
async def app(control: SandboxControl) -> dict[str, str]:
    return await control.create_app([REDIRECT], ["companyinformation", "bookkeeping"])


@pytest.fixture
async def bureau(control: SandboxControl) -> dict[str, object]:
    """A bureau's user with three client companies, made by one control call."""
    return await control.create_user(
        "Anna Byråsson",
        [{"name": "Klient Ett AB"}, {"name": "Klient Två AB"}, {"name": "Klient Tre AB"}],
    )


def _hidden(html: str) -> dict[str, str]:
    form = html[html.index('<form method="post"') :]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))


def _radios(html: str) -> list[tuple[str, str]]:
    return re.findall(r'value="(\d+)" required> ([^<]+) \(tenant', html)


async def test_a_control_call_makes_a_user_with_new_and_existing_companies(
    control: SandboxControl, http: httpx.AsyncClient, bureau: dict[str, object]
) -> None:
    assert bureau == {
        "user_id": 1,
        "name": "Anna Byråsson",
        "companies": [
            {"tenant_id": 1, "name": "Klient Ett AB"},
            {"tenant_id": 2, "name": "Klient Två AB"},
            {"tenant_id": 3, "name": "Klient Tre AB"},
        ],
    }
    assert await control.company_exists(3)
    own = await control.create_company("Egen AB")
    solo = await control.create_user("Sven Solo", [own["tenant_id"]])
    assert solo["companies"] == [{"tenant_id": 4, "name": "Egen AB"}]
    listed = (await http.get("/_sandbox/users")).json()
    assert [user["user_id"] for user in listed] == [1, 2]
    for body, code in (
        ({"name": "X", "companies": [99]}, 404),
        ({"name": "X", "companies": []}, 400),
        ({"companies": [1]}, 400),
        ({"name": "X", "companies": [{"seed": "demo"}]}, 400),
        ({"name": "X", "companies": [True]}, 400),
    ):
        refused = await http.post("/_sandbox/users", json=body)
        assert refused.status_code == code, body
    assert len((await http.get("/_sandbox/users")).json()) == 2  # nothing made by a refusal
    with pytest.raises(SandboxControlError, match="404"):
        await control.create_user("Y", [42])


async def test_a_bureau_user_chooses_the_second_company_and_its_tokens_are_that_company_s(
    http: httpx.AsyncClient, app: dict[str, str], bureau: dict[str, object]
) -> None:
    query = {**QUERY, "client_id": app["client_id"], "redirect_uri": REDIRECT}
    anonymous = await http.get("/oauth-v1/auth", params=query)
    assert anonymous.status_code == 200
    assert '<select name="user">' in anonymous.text
    assert "Anna Byråsson" in anonymous.text

    signed_in = await http.get("/oauth-v1/auth", params={**query, "user": "1"})
    assert signed_in.status_code == 200
    assert "Inloggad som <strong>Anna Byråsson</strong>" in signed_in.text
    assert "Välj vilket företag integrationen ska kopplas till" in signed_in.text
    assert _radios(signed_in.text) == [
        ("1", "Klient Ett AB"),
        ("2", "Klient Två AB"),
        ("3", "Klient Tre AB"),
    ]
    assert "checked" not in signed_in.text  # no company chosen in advance
    hidden = _hidden(signed_in.text)
    assert hidden["user"] == "1"

    approved = await http.post(
        "/oauth-v1/auth", data={**hidden, "tenant_id": "2", "decision": "approve"}
    )
    assert approved.status_code == 302
    code = parse_qs(urlparse(approved.headers["location"]).query)["code"][0]
    tokens = await token_call(
        http, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert tokens.status_code == 200
    access = tokens.json()["access_token"]
    assert decode_jwt_claims(access)["tenantId"] == 2
    company = await http.get("/3/companyinformation", headers={"Authorization": f"Bearer {access}"})
    assert company.status_code == 200
    assert company.json()["CompanyInformation"]["CompanyName"] == "Klient Två AB"


async def test_a_user_cannot_approve_for_a_company_it_does_not_belong_to(
    http: httpx.AsyncClient, control: SandboxControl, app: dict[str, str], bureau: dict[str, object]
) -> None:
    other = await control.create_company("Främmande AB")
    query = {**QUERY, "client_id": app["client_id"], "redirect_uri": REDIRECT}
    page = await http.get("/oauth-v1/auth", params={**query, "user": "1"})
    assert "Främmande AB" not in page.text
    hidden = _hidden(page.text)
    refused = await http.post(
        "/oauth-v1/auth",
        data={**hidden, "tenant_id": str(other["tenant_id"]), "decision": "approve"},
    )
    assert refused.status_code == 400
    assert "inte behörighet" in refused.text
    unknown = await http.get("/oauth-v1/auth", params={**query, "user": "9"})
    assert unknown.status_code == 400
    assert "Okänd användare" in unknown.text


async def test_a_user_of_one_company_just_approves(
    http: httpx.AsyncClient, control: SandboxControl, app: dict[str, str]
) -> None:
    user = await control.create_user("Sven Solo", [{"name": "Solo AB"}])
    query = {**QUERY, "client_id": app["client_id"], "redirect_uri": REDIRECT}
    page = await http.get("/oauth-v1/auth", params={**query, "user": str(user["user_id"])})
    assert "Företag: Solo AB" in page.text
    assert _radios(page.text) == []
    hidden = _hidden(page.text)
    assert hidden["tenant_id"] == "1"
    approved = await http.post("/oauth-v1/auth", data={**hidden, "decision": "approve"})
    assert approved.status_code == 302
    assert "code=" in approved.headers["location"]


async def test_users_survive_a_restart_and_die_with_a_reset(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "sandbox.sqlite"
    state = SandboxState(clock=clock, data_path=path)
    transport = httpx.ASGITransport(app=create_app(state))
    async with SandboxControl("http://sandbox.test", transport=transport) as control:
        await control.create_user("Anna", [{"name": "A AB"}, {"name": "B AB"}])
    state.close()
    again = SandboxState(clock=clock, data_path=path)
    assert [(u.name, u.companies) for u in again.auth.users.values()] == [("Anna", (1, 2))]
    again.reset()
    assert again.auth.users == {}
    again.close()
