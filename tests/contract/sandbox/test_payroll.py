"""Payroll resources: absence and attendance transactions, salary transactions, schedule times."""

from __future__ import annotations

import re

import httpx
import pytest

from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import ApiFactory

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
async def client(api: ApiFactory, demo_tenant: int) -> httpx.AsyncClient:
    return await api(demo_tenant, ["salary"])


def absence(**fields: object) -> dict[str, object]:
    return {
        "AbsenceTransaction": {
            "EmployeeId": "1",
            "CauseCode": "SJK",
            "Date": "2026-01-05",
            **fields,
        }
    }


async def test_absence_rows_have_uuid_ids_and_several_may_share_a_day(
    client: httpx.AsyncClient,
) -> None:
    first = (await client.post("/3/absencetransactions", json=absence(Extent=50))).json()
    second = (
        await client.post("/3/absencetransactions", json=absence(Hours=2, CauseCode="VAB"))
    ).json()
    third = (await client.post("/3/absencetransactions", json=absence(Hours=1))).json()
    ids = [r["AbsenceTransaction"]["id"] for r in (first, second, third)]
    assert all(UUID.match(i) for i in ids)
    assert len(set(ids)) == 3
    same = await client.get("/3/absencetransactions/1/2026-01-05/SJK")
    assert sorted(r["id"] for r in same.json()["AbsenceTransactions"]) == sorted([ids[0], ids[2]])
    listed = await client.get(
        "/3/absencetransactions", params={"employeeid": "1", "date": "2026-01-05"}
    )
    assert listed.json()["MetaInformation"]["@TotalResources"] == 3
    one = await client.get(f"/3/absencetransactions/{ids[1]}")
    assert one.json()["AbsenceTransaction"]["CauseCode"] == "VAB"
    changed = await client.put(
        f"/3/absencetransactions/{ids[1]}", json={"AbsenceTransaction": {"Hours": 3}}
    )
    assert changed.json()["AbsenceTransaction"]["Hours"] == 3
    deleted = await client.delete(f"/3/absencetransactions/{ids[1]}")
    assert deleted.status_code == 200  # DELETE answers with the row (SPEC)
    assert deleted.json()["AbsenceTransaction"]["id"] == ids[1]
    assert (await client.get(f"/3/absencetransactions/{ids[1]}")).status_code == 404


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"CauseCode": "XYZ"}, 2990003),
        ({"EmployeeId": "99"}, 2990010),
        ({"Extent": 150}, 2990003),
        ({"Date": "2026-13-40"}, 2990004),
        ({"Date": None}, 2990001),
    ],
)
async def test_absence_rows_are_checked(
    client: httpx.AsyncClient, fields: dict[str, object], code: int
) -> None:
    response = await client.post("/3/absencetransactions", json=absence(**fields))
    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["code"] == code


async def test_attendance_hours_are_strings_and_cause_codes_checked(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "AttendanceTransaction": {
            "EmployeeId": "2",
            "CauseCode": "TID",
            "Date": "2026-01-05",
            "Hours": 7.5,
        }
    }
    created = await client.post("/3/attendancetransactions", json=body)
    row = created.json()["AttendanceTransaction"]
    assert (row["Hours"], row["CauseCode"]) == ("7.5", "TID")
    assert UUID.match(row["id"])
    wrong = {"AttendanceTransaction": {**body["AttendanceTransaction"], "CauseCode": "SJK"}}
    assert (await client.post("/3/attendancetransactions", json=wrong)).status_code == 400


async def test_transactions_need_no_financial_year_but_stay_out_of_the_locked_period(
    client: httpx.AsyncClient, control: SandboxControl, demo_tenant: int
) -> None:
    """No financial year of the demo company covers 2030; salary data is not booked into one, so
    it is accepted all the same. The locked period applies to it."""
    attendance = {"EmployeeId": "2", "CauseCode": "TID", "Date": "2030-01-02", "Hours": 8}
    future = [
        await client.post("/3/attendancetransactions", json={"AttendanceTransaction": attendance}),
        await client.post("/3/absencetransactions", json=absence(Date="2030-01-03")),
    ]
    assert [response.status_code for response in future] == [201, 201]
    await control.company_settings(demo_tenant, locked_period_end="2030-01-31")
    locked = [
        await client.post(
            "/3/attendancetransactions",
            json={"AttendanceTransaction": {**attendance, "Date": "2030-01-09"}},
        ),
        await client.post("/3/absencetransactions", json=absence(Date="2030-01-10")),
    ]
    assert [r.json()["ErrorInformation"]["code"] for r in locked] == [2990006, 2990006]


async def test_salary_rows_are_numbered_with_string_amounts_and_checked_expenses(
    client: httpx.AsyncClient,
) -> None:
    body = {"SalaryTransaction": {"EmployeeId": "1", "SalaryCode": "11", "Date": "2026-01-25",
                                  "Number": 2, "Amount": "150.5", "Expense": "1"}}  # fmt: skip
    row = (await client.post("/3/salarytransactions", json=body)).json()["SalaryTransaction"]
    assert (row["SalaryRow"], row["Number"], row["Amount"], row["Total"]) == (
        1,
        "2",
        "150.5",
        "301",
    )
    second = (await client.post("/3/salarytransactions", json=body)).json()["SalaryTransaction"]
    assert second["SalaryRow"] == 2
    unknown = {"SalaryTransaction": {**body["SalaryTransaction"], "Expense": "9"}}
    assert (await client.post("/3/salarytransactions", json=unknown)).json()["ErrorInformation"][
        "code"
    ] == 2990010
    removed = await client.delete("/3/salarytransactions/1")
    assert removed.status_code == 200
    assert removed.json()["SalaryTransaction"]["SalaryRow"] == 1


@pytest.mark.parametrize(
    ("day", "hours"),
    [("2026-01-05", "8"), ("2026-01-09", "8"), ("2026-01-10", "0"), ("2026-01-11", "0")],
)
async def test_schedule_time_follows_the_hel_schedule(
    client: httpx.AsyncClient, day: str, hours: str
) -> None:
    response = await client.get(f"/3/scheduletimes/1/{day}")
    assert response.json()["ScheduleTime"] == {
        "Date": day, "EmployeeId": "1", "Hours": hours, "ScheduleId": "HEL",
        "IWH1": "0", "IWH2": "0", "IWH3": "0", "IWH4": "0", "IWH5": "0",
    }  # fmt: skip


async def test_schedule_time_put_and_resetday(client: httpx.AsyncClient) -> None:
    changed = await client.put(
        "/3/scheduletimes/1/2026-01-07", json={"ScheduleTime": {"Hours": "5", "IWH1": "1"}}
    )
    assert (changed.json()["ScheduleTime"]["Hours"], changed.json()["ScheduleTime"]["IWH1"]) == (
        "5",
        "1",
    )
    assert (await client.get("/3/scheduletimes/1/2026-01-07")).json()["ScheduleTime"][
        "Hours"
    ] == "5"
    reset = await client.put("/3/scheduletimes/1/2026-01-07/resetday")
    assert reset.json()["ScheduleTime"]["Hours"] == "8"
    too_much = await client.put(
        "/3/scheduletimes/1/2026-01-07", json={"ScheduleTime": {"Hours": "25"}}
    )
    assert too_much.status_code == 400
    nobody = await client.get("/3/scheduletimes/99/2026-01-07")
    assert nobody.status_code == 404
    assert nobody.json()["ErrorInformation"]["Code"] == 2000436
    assert (await client.get("/3/scheduletimes/1/not-a-day")).status_code == 400
