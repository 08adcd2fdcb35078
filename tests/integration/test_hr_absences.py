"""``hr.absence.push`` against the sandbox, on SQLite and PostgreSQL: every create, update and
delete rule changes exactly the expected Fortnox absence transactions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult, RunSummary
from fortnox_bridge.engine.flow.sources import FixedClient
from fortnox_bridge.engine.maintenance.rewriting import rewrite_records
from fortnox_bridge.engine.sync.context import load_context
from fortnox_bridge.engine.sync.derived_push import DerivedPusher
from fortnox_bridge.engine.sync.planning import DateChecks
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.services.absence_rewrites import absences_to_rewrite
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.problems import ProblemRepository

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Put, employee

FLOWS = [EmployeePush, AbsencePush]
#: A Monday; the sandbox's HEL schedule has 8 hours Monday to Friday.
MONDAY = date(2026, 1, 5)
Row = tuple[str, str, str, str, str]  # date, employee, cause, hours, extent


def absence(start: date, end: date | None, **extra: Any) -> dict[str, Any]:
    """An approved host absence of employee e001, sick leave unless told otherwise."""
    return {
        "employee": "e001",
        "absence_type": "sick",
        "start": start.isoformat(),
        "end": end.isoformat() if end else None,
        "status": "approved",
        **extra,
    }


def weekdays(first: date, last: date) -> list[str]:
    """The Monday–Friday dates from ``first`` to ``last``."""
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


class Hr:
    """The hr flows of one tenant against the sandbox company, with helpers to read Fortnox."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: ManualClock,
        tenant: int,
        client: FortnoxClient,
        put: Put,
    ) -> None:
        self.sessions, self.clock, self.tenant, self.client, self.put = (
            sessions, clock, tenant, client, put,
        )  # fmt: skip
        self.runner = Runner(sessions, clock=clock, flows=FLOWS)

    def configure(self, *, schedule: str | None = "HEL") -> None:
        settings = {"default_schedule": schedule} if schedule else {}
        now = self.clock.now()
        with self.sessions.begin() as session:
            configs = FlowConfigRepository(session)
            configs.put(self.tenant, "hr.employee.push", enabled=True, settings=settings, now=now)
            configs.put(self.tenant, "hr.absence.push", enabled=True, settings={}, now=now)

    def map(self, local: str, fortnox: str | None) -> None:
        with self.sessions.begin() as session:
            MappingRepository(session).put(
                self.tenant, "absence_cause", local, fortnox, excluded=fortnox is None,
                now=self.clock.now(),
            )  # fmt: skip

    async def run(self, client: FortnoxClient | None = None) -> tuple[FlowResult, RunSummary]:
        summary = await self.runner.run_cycle(self.tenant, client or self.client)
        (result,) = [r for r in summary.flows if r.flow == "hr.absence.push"]
        return result, summary

    async def transactions(self) -> dict[str, dict[str, Any]]:
        """Fortnox's absence transactions by id."""
        rows = [row async for row in self.client.absence_transactions.iterate()]
        return {str(row.id): row.model_dump(mode="json") for row in rows}

    async def rows(self) -> list[Row]:
        """Fortnox's absence transactions as (date, employee, cause, hours, extent), sorted."""
        return sorted(
            (t["date"], t["employee_id"], t["cause_code"], t["hours"], t["extent"])
            for t in (await self.transactions()).values()
        )

    def ids_by_day(self, external_id: str = "a1") -> dict[str, str]:
        """The transaction ids the bridge keeps for one absence, by day."""
        with self.sessions.begin() as session:
            links = LinkRepository(session).by_external_id(self.tenant, "absence_day")
            return {
                key.split("@")[1]: link.fortnox_id
                for key, link in links.items()
                if key.split("@")[0] == external_id
            }

    def part_states(self) -> dict[str, str]:
        with self.sessions.begin() as session:
            links = LinkRepository(session).by_external_id(self.tenant, "absence_day")
            return {key: link.state for key, link in links.items()}

    def problems(self) -> list[Any]:
        with self.sessions.begin() as session:
            found = ProblemRepository(session).open(self.tenant)
            return [(p.flow, p.external_id, p.reference, p.message, p.code) for p in found]


@pytest.fixture
async def hr(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    engine_client: FortnoxClient,
    put: Put,
) -> Hr:
    hr = Hr(sessions, clock, tenant, engine_client, put)
    hr.configure()
    put("employee", "e001", employee(1))
    put("absence_type", "sick", {"code": "sick", "name": "Sick leave"})
    put("absence_type", "semester", {"code": "semester", "name": "Semester"})
    put(
        "absence_type", "course", {"code": "course", "name": "Course", "counts_as_work_days": False}
    )
    return hr


def fortnox_id_of(sessions: sessionmaker[Session], tenant: int) -> Callable[[str], str]:
    def find(external_id: str) -> str:
        with sessions.begin() as session:
            link = LinkRepository(session).get(tenant, "employee", external_id)
            assert link is not None
            return link.fortnox_id

    return find


# -- create ------------------------------------------------------------------------------------


async def test_an_approved_absence_with_an_end_becomes_one_transaction_per_scheduled_day(
    hr: Hr, sessions: sessionmaker[Session], tenant: int
) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=6)))  # Monday to Sunday
    result, _ = await hr.run()
    employee_id = fortnox_id_of(sessions, tenant)("e001")
    assert await hr.rows() == [
        (day, employee_id, "SJK", "8", "100")
        for day in weekdays(MONDAY, MONDAY + timedelta(days=6))
    ]
    assert (result.created, result.failed) == (5, 0)
    assert sorted(hr.ids_by_day()) == weekdays(MONDAY, MONDAY + timedelta(days=6))
    idle, summary = await hr.run()
    assert (idle.requests, summary.requests, idle.unchanged) == (0, 0, 1)


async def test_hours_are_the_schedule_times_the_extent(hr: Hr) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=1), extent=37.5))
    await hr.run()
    assert [(row[0], row[3], row[4]) for row in await hr.rows()] == [
        ("2026-01-05", "3", "37.5"),
        ("2026-01-06", "3", "37.5"),
    ]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"status": "requested"}, "not approved (status requested)"),
        ({"status": "rejected"}, "not approved (status rejected)"),
        ({"end": None}, "no end date yet"),
        ({"absence_type": "course"}, "does not count as work days"),
    ],
)
async def test_nothing_is_created_unless_approved_with_an_end_and_counting_as_work_days(
    hr: Hr, changes: dict[str, Any], why: str
) -> None:
    hr.put("absence", "a1", {**absence(MONDAY, MONDAY), **changes})
    result, _summary = await hr.run()
    assert await hr.rows() == []
    (item,) = result.items
    assert why in item.reason
    assert not item.problem
    assert result.created == 0
    again, _ = await hr.run()
    assert again.requests == 0


async def test_an_excluded_type_is_never_sent_and_a_mapped_one_uses_its_cause_code(hr: Hr) -> None:
    hr.map("sick", None)
    hr.map("semester", "KOM")
    hr.put("absence", "a1", absence(MONDAY, MONDAY))
    hr.put(
        "absence",
        "a2",
        absence(MONDAY + timedelta(days=1), MONDAY + timedelta(days=1), absence_type="semester"),
    )
    result, _ = await hr.run()
    assert [(row[0], row[2]) for row in await hr.rows()] == [("2026-01-06", "KOM")]
    excluded = next(i for i in result.items if i.external_id == "a1")
    assert "excluded" in excluded.reason
    assert hr.problems() == []


async def test_default_causes_cover_sick_leave_self_certification_and_vacation(hr: Hr) -> None:
    hr.put("absence_type", "self", {"code": "egen", "name": "Self-certified sick leave"})
    hr.put("absence", "a1", absence(MONDAY, MONDAY, absence_type="self"))
    hr.put("absence", "a2", absence(MONDAY + timedelta(days=1), MONDAY + timedelta(days=1)))
    hr.put(
        "absence",
        "a3",
        absence(MONDAY + timedelta(days=2), MONDAY + timedelta(days=2), absence_type="semester"),
    )
    await hr.run()
    assert [(row[0], row[2]) for row in await hr.rows()] == [
        ("2026-01-05", "SJK"),
        ("2026-01-06", "SJK"),
        ("2026-01-07", "SEM"),
    ]


async def test_an_unmapped_type_without_default_is_a_problem_that_says_how_to_map_it(
    hr: Hr,
) -> None:
    hr.put("absence_type", "odd", {"code": "odd", "name": "Studiedag"})
    hr.put("absence", "a1", absence(MONDAY, MONDAY, absence_type="odd"))
    _result, _ = await hr.run()
    assert await hr.rows() == []
    (problem,) = hr.problems()
    assert problem[1] == "a1"
    assert "--kind absence_cause --local odd" in problem[3]
    assert problem[2].startswith("employee e001 (person1@example.se): absence a1")
    hr.map("odd", "UTB")
    await hr.run()  # the mapping alone does not change the absence: it is still waiting
    assert [(row[0], row[2]) for row in await hr.rows()] == [("2026-01-05", "UTB")]
    assert hr.problems() == []


# -- update ------------------------------------------------------------------------------------


async def test_changed_dates_delete_removed_days_create_added_days_and_keep_the_rest(
    hr: Hr,
) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=4)))  # Mon–Fri
    await hr.run()
    before = hr.ids_by_day()
    hr.put(
        "absence", "a1", absence(MONDAY + timedelta(days=2), MONDAY + timedelta(days=8))
    )  # Wed–Tue
    result, _ = await hr.run()
    after = hr.ids_by_day()
    assert (result.created, result.updated, result.deleted) == (2, 0, 2)
    assert sorted(after) == ["2026-01-07", "2026-01-08", "2026-01-09", "2026-01-12", "2026-01-13"]
    for kept in ("2026-01-07", "2026-01-08", "2026-01-09"):
        assert after[kept] == before[kept]  # the same Fortnox transactions, untouched
    transactions = await hr.transactions()
    assert sorted(transactions) == sorted(after.values())
    assert before["2026-01-05"] not in transactions
    assert before["2026-01-06"] not in transactions


async def test_a_changed_extent_updates_every_day_in_place(hr: Hr) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=1)))
    await hr.run()
    before = hr.ids_by_day()
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=1), extent=50))
    result, _ = await hr.run()
    assert (result.created, result.updated, result.deleted) == (0, 2, 0)
    assert hr.ids_by_day() == before
    assert [(row[0], row[3], row[4]) for row in await hr.rows()] == [
        ("2026-01-05", "4", "50"),
        ("2026-01-06", "4", "50"),
    ]


async def test_a_changed_note_costs_no_request(hr: Hr) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY))
    await hr.run()
    hr.put("absence", "a1", absence(MONDAY, MONDAY, note="Läkarintyg inlämnat"))
    result, summary = await hr.run()
    assert (summary.requests, result.unchanged) == (0, 1)
    again, _ = await hr.run()
    assert again.requests == 0


async def test_a_changed_type_updates_the_cause_code_of_every_day(hr: Hr) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=1)))
    await hr.run()
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=1), absence_type="semester"))
    result, _ = await hr.run()
    assert (result.updated, result.created, result.deleted) == (2, 0, 0)
    assert [(row[0], row[2]) for row in await hr.rows()] == [
        ("2026-01-05", "SEM"),
        ("2026-01-06", "SEM"),
    ]


# -- delete ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(None, id="deleted"),
        pytest.param({"status": "cancelled"}, id="unapproved"),
        pytest.param({"end": None}, id="end-date-removed"),
    ],
)
async def test_deleting_unapproving_or_removing_the_end_deletes_every_transaction(
    hr: Hr, change: dict[str, Any] | None
) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=2)))
    hr.put("absence", "a2", absence(MONDAY + timedelta(days=7), MONDAY + timedelta(days=7)))
    await hr.run()
    kept = hr.ids_by_day("a2")
    payload = None if change is None else {**absence(MONDAY, MONDAY + timedelta(days=2)), **change}
    hr.put("absence", "a1", payload)
    result, _ = await hr.run()
    assert result.deleted == 3
    assert sorted(await hr.transactions()) == sorted(kept.values())  # only a2's day is left
    assert hr.ids_by_day("a1") == {}
    _again, summary = await hr.run()
    assert summary.requests == 0


# -- long absences, empty schedules ------------------------------------------------------------


async def test_a_180_day_absence_is_written_completely_within_the_rate_limit(
    hr: Hr,
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    clock: ManualClock,
) -> None:
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    limiter = SlidingWindowLimiter(RateLimit.parse("25/5"), clock=clock, sleep=clock.sleep)
    paced = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=faulty_transport,
        limiter=limiter,
        retry=RetryPolicy(sleep=clock.sleep, max_total_wait=600),
    )
    last = date(2026, 1, 1) + timedelta(days=179)
    hr.put("absence", "a1", absence(date(2026, 1, 1), last))
    result, _ = await hr.run(paced)
    expected = weekdays(date(2026, 1, 1), last)
    assert len(expected) > 120  # far beyond the seed's 50-day limit
    assert (result.created, result.failed) == (len(expected), 0)
    assert [row[0] for row in await hr.rows()] == expected
    stats = await control.stats(company)
    assert stats["responses_by_status"].get("429", 0) == 0  # paced, never refused
    await paced.aclose()


async def test_an_employee_without_scheduled_hours_is_warned_about_until_given_a_schedule(
    hr: Hr, sessions: sessionmaker[Session], tenant: int
) -> None:
    hr.configure(schedule=None)  # Fortnox gives the new employee no schedule: 0 hours
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=2)))
    result, _ = await hr.run()
    assert await hr.rows() == []
    (item,) = result.items
    assert item.problem
    assert "0 hours" in item.reason
    (problem,) = hr.problems()
    assert problem[1] == "a1"
    assert "working-time schedule" in problem[3]
    employee_id = fortnox_id_of(sessions, tenant)("e001")
    await hr.client.employees.update(employee_id, {"schedule_id": "DEL"})  # half time
    result, _ = await hr.run()  # tried again on the next sweep
    assert [(row[0], row[3]) for row in await hr.rows()] == [
        ("2026-01-05", "4"),
        ("2026-01-06", "4"),
        ("2026-01-07", "4"),
    ]
    assert hr.problems() == []


# -- mapping changes ---------------------------------------------------------------------------


async def test_a_mapping_change_disconnects_written_absences_and_the_rewrite_writes_them_again(
    hr: Hr, sessions: sessionmaker[Session], tenant: int, clock: ManualClock
) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=1)))
    await hr.run()
    old = await hr.transactions()
    hr.map("sick", "OS1")
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=2)))  # one day longer
    hr.put("absence", "a2", absence(MONDAY + timedelta(days=7), MONDAY + timedelta(days=7)))
    result, _ = await hr.run()
    assert await hr.transactions() == {
        **old,
        **{k: v for k, v in (await hr.transactions()).items() if k not in old},
    }
    rows = await hr.rows()
    assert [(r[0], r[2]) for r in rows] == [
        ("2026-01-05", "SJK"),  # left in Fortnox as they were, no further updates (seed)
        ("2026-01-06", "SJK"),
        ("2026-01-12", "OS1"),  # a new absence follows the new mapping
    ]
    disconnected = next(i for i in result.items if i.external_id == "a1")
    assert "disconnected" in disconnected.reason
    assert not disconnected.problem
    assert {k: v for k, v in hr.part_states().items() if k.startswith("a1@")} == {
        "a1@2026-01-05": "disconnected",
        "a1@2026-01-06": "disconnected",
    }
    _idle, summary = await hr.run()
    assert summary.requests == 0

    with sessions.begin() as session:
        assert absences_to_rewrite(session, tenant) == ["a1"]
        assert absences_to_rewrite(session, tenant, "semester") == []
    summary = await rewrite_records(
        sessions, clock, FLOWS, tenant_id=tenant, flow_name="hr.absence.push",
        source=FixedClient(hr.client), external_ids=["a1"],
    )  # fmt: skip
    (rewritten,) = summary.flows
    assert [(r[0], r[2]) for r in await hr.rows()] == [
        ("2026-01-05", "OS1"),
        ("2026-01-06", "OS1"),
        ("2026-01-07", "OS1"),
        ("2026-01-12", "OS1"),
    ]
    assert not set(old) & set(await hr.transactions())  # the old ones were deleted
    assert (rewritten.deleted, rewritten.created, rewritten.failed) == (2, 3, 0)
    assert set(hr.part_states().values()) == {"linked"}
    with sessions.begin() as session:
        assert absences_to_rewrite(session, tenant) == []
    _, idle = await hr.run()
    assert idle.requests == 0


async def test_disconnected_days_edited_in_fortnox_to_the_new_code_get_updates_again(
    hr: Hr,
) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=1)))
    await hr.run()
    hr.map("sick", "OS1")
    for transaction_id in hr.ids_by_day().values():
        await hr.client.absence_transactions.update(transaction_id, {"cause_code": "OS1"})
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=1), extent=50))
    result, _ = await hr.run()
    assert (result.updated, result.created) == (2, 0)
    assert [(r[0], r[2], r[3]) for r in await hr.rows()] == [
        ("2026-01-05", "OS1", "4"),
        ("2026-01-06", "OS1", "4"),
    ]


async def test_days_in_the_locked_period_hold_the_absence_back_until_unlocked(
    hr: Hr, sessions: sessionmaker[Session], tenant: int, clock: ManualClock
) -> None:
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=2)))
    await hr.run()  # the employee and Monday–Wednesday
    hr.put("absence", "a1", absence(MONDAY, MONDAY + timedelta(days=3)))
    with sessions.begin() as session:
        context = load_context(session, tenant, FLOWS)
    context.checks = DateChecks(locked_until=MONDAY + timedelta(days=3))
    flow = context.flows["hr.absence.push"]
    assert isinstance(flow, AbsencePush)
    result = FlowResult(flow=flow.name)
    pusher = DerivedPusher(RunScope(sessions=sessions, clock=clock, tenant_id=tenant, owner="test"))
    run = RunInputs(context=context, source=FixedClient(hr.client))
    await pusher.push(run, flow, result)
    assert len(await hr.rows()) == 3  # Thursday not added: it is in the locked period
    (item,) = result.items
    assert item.problem
    assert "2026-01-08: 2026-01-08 is in the locked period" in item.reason
    context.checks = DateChecks()  # unlocked
    again = FlowResult(flow=flow.name)
    await pusher.push(run, flow, again)  # tried again
    assert again.created == 1
    assert [row[0] for row in await hr.rows()] == weekdays(MONDAY, MONDAY + timedelta(days=3))
