"""A sandbox kept in a SQLite file survives a restart: companies, records, number series,
reserved numbers, settings, apps and tokens (written through after every request)."""

from __future__ import annotations

from pathlib import Path

import httpx

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport

from .conftest import BASE_URL


def _open(path: Path, clock: ManualClock) -> tuple[SandboxState, SandboxTransport]:
    state = SandboxState(clock=clock, data_path=path)
    return state, SandboxTransport(create_app(state))


async def test_state_survives_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "sandbox.sqlite"
    _, transport = _open(path, clock)
    async with SandboxControl(BASE_URL, transport=transport) as control:
        tenant = (await control.create_company("Kvar AB", seed="demo"))["tenant_id"]
        tokens = await control.issue_tokens(tenant, ["customer", "invoice"])
        app = await control.create_app(["https://app.example/cb"], ["customer"])
        await control.company_settings(tenant, locked_period_end="2025-03-31")
        await control.set_clock(advance_seconds=120)
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        async with httpx.AsyncClient(base_url=BASE_URL, transport=transport, headers=auth) as api:
            await api.post("/3/customers", json={"Customer": {"Name": "Ny kund"}})
            await api.delete("/3/customers/5")
            invoice = await api.post("/3/invoices", json={"Invoice": {"CustomerNumber": "1",
                                     "InvoiceRows": [{"ArticleNumber": "101"}]}})  # fmt: skip
            row_id = invoice.json()["Invoice"]["InvoiceRows"][0]["RowId"]
    # No close(): every request was written through already.
    restarted, transport = _open(path, ManualClock())
    company = restarted.companies[tenant]
    assert company.name == "Kvar AB"
    assert company.settings.locked_period_end is not None
    assert "5" not in company.register("customers").records
    assert restarted.clock.offset.total_seconds() == 0  # a ManualClock is moved, not offset
    assert app["client_id"] in restarted.auth.apps
    async with httpx.AsyncClient(base_url=BASE_URL, transport=transport) as http:
        refreshed = await http.post(
            "/oauth-v1/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(tokens["client_id"], tokens["client_secret"]),
        )
        assert refreshed.status_code == 200
        http.headers["Authorization"] = f"Bearer {refreshed.json()['access_token']}"
        reused = await http.post(
            "/3/customers", json={"Customer": {"Name": "X", "CustomerNumber": "5"}}
        )
        assert reused.json()["ErrorInformation"]["code"] == 2000637  # still reserved
        following = await http.post("/3/customers", json={"Customer": {"Name": "Nästa"}})
        assert following.json()["Customer"]["CustomerNumber"] == "6"
        again = await http.put("/3/invoices/1", json={"Invoice": {"Comments": "x"}})
        assert again.json()["Invoice"]["InvoiceRows"][0]["RowId"] > row_id
    restarted.close()


async def test_reset_clears_the_file_too(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "sandbox.sqlite"
    state, transport = _open(path, clock)
    async with SandboxControl(BASE_URL, transport=transport) as control:
        await control.create_company("Borta AB")
        await control.reset()
    state.close()
    assert SandboxState(data_path=path).companies == {}
