"""Retries, backoff, Retry-After, lost answers and error mapping of the client."""

from __future__ import annotations

import random
from datetime import date, datetime

import httpx
import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import (
    FortnoxTransportError,
    LockedPeriodError,
    MissingLicenceError,
    MissingScopeError,
    OutcomeUnknown,
    RateLimitedError,
    UnsupportedOperation,
    ValidationError,
)
from fortnox_bridge.fortnox.models.customer import Customer
from fortnox_bridge.fortnox.retry import RetryPolicy

from .scripted import Answer, Script, error, fortnox_json

CUSTOMER = {"Customer": {"CustomerNumber": "7", "Name": "Bygg AB"}}


@pytest.fixture
def sleeper(clock: ManualClock) -> ManualClock:
    """The manual clock, whose ``sleep`` the retry policy uses and whose ``slept`` lists waits."""
    return clock


def make(script: Script, sleeper: ManualClock, **policy: float) -> FortnoxClient:
    retry = RetryPolicy(rng=random.Random(7), sleep=sleeper.sleep, **policy)  # type: ignore[arg-type]
    return FortnoxClient(
        access_token="t", api_url="https://api.fortnox.test", transport=script.transport(),
        retry=retry,
    )  # fmt: skip


def too_many(retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return fortnox_json(429, {"message": "Too Many Requests"}, headers)


async def test_429s_are_retried_and_retry_after_is_honoured(sleeper: ManualClock) -> None:
    script = Script([too_many("2"), too_many("3"), fortnox_json(200, CUSTOMER)])
    customer = await make(script, sleeper).customers.get("7")
    assert customer.name == "Bygg AB"
    assert len(script.sent) == 3
    assert sleeper.slept == [2.0, 3.0]


async def test_backoff_grows_with_jitter_within_bounds(sleeper: ManualClock) -> None:
    answers: list[Answer] = [fortnox_json(503, {"message": "down"})] * 4
    script = Script([*answers, fortnox_json(200, CUSTOMER)])
    await make(script, sleeper, base_delay=1.0, max_delay=30.0).customers.get("7")
    assert len(sleeper.slept) == 4
    for attempt, wait in enumerate(sleeper.slept, start=1):
        ceiling = min(30.0, 2 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling


async def test_a_429_storm_ends_within_the_bounded_total_wait(sleeper: ManualClock) -> None:
    script = Script([too_many()])
    client = make(
        script, sleeper, max_attempts=50, base_delay=1.0, max_delay=8.0, max_total_wait=20.0
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.customers.get("7")
    assert sum(sleeper.slept) <= 20.0
    assert len(script.sent) == len(sleeper.slept) + 1
    assert caught.value.status == 429
    assert "25 per 5 seconds" in caught.value.explanation


async def test_lost_answer_to_a_post_is_outcome_unknown_and_not_resent(
    sleeper: ManualClock,
) -> None:
    script = Script([httpx.ReadTimeout, fortnox_json(201, CUSTOMER)])
    with pytest.raises(OutcomeUnknown, match="look the record up"):
        await make(script, sleeper).customers.create({"name": "Bygg AB"})
    assert len(script.sent) == 1
    assert sleeper.slept == []


async def test_dropped_connection_after_an_action_put_is_outcome_unknown(
    sleeper: ManualClock,
) -> None:
    script = Script([httpx.RemoteProtocolError, fortnox_json(200, {"Invoice": {}})])
    with pytest.raises(OutcomeUnknown):
        await make(script, sleeper).invoices.bookkeep(12)
    assert len(script.sent) == 1


async def test_lost_answer_to_a_get_is_retried(sleeper: ManualClock) -> None:
    script = Script([httpx.ReadTimeout, fortnox_json(200, CUSTOMER)])
    customer = await make(script, sleeper).customers.get("7")
    assert customer.customer_number == "7"
    assert len(script.sent) == 2


async def test_connect_failure_of_a_post_is_retried_because_nothing_was_sent(
    sleeper: ManualClock,
) -> None:
    script = Script([httpx.ConnectError, fortnox_json(201, CUSTOMER)])
    created = await make(script, sleeper).customers.create({"name": "Bygg AB"})
    assert created.customer_number == "7"
    assert len(script.sent) == 2


async def test_connect_failures_end_as_transport_errors(sleeper: ManualClock) -> None:
    script = Script([httpx.ConnectError])
    with pytest.raises(FortnoxTransportError):
        await make(script, sleeper, max_attempts=3).customers.get("7")
    assert len(script.sent) == 3


async def test_server_error_on_a_post_may_have_been_applied(sleeper: ManualClock) -> None:
    script = Script([fortnox_json(500, {"message": "Internal"}), fortnox_json(201, CUSTOMER)])
    with pytest.raises(OutcomeUnknown, match="Fortnox 500"):
        await make(script, sleeper).customers.create({"name": "Bygg AB"})
    assert len(script.sent) == 1


async def test_503_on_a_post_was_refused_before_processing_and_is_retried(
    sleeper: ManualClock,
) -> None:
    script = Script([fortnox_json(503, {"message": "busy"}), fortnox_json(201, CUSTOMER)])
    created = await make(script, sleeper).customers.create({"name": "Bygg AB"})
    assert created.name == "Bygg AB"
    assert len(script.sent) == 2


@pytest.mark.parametrize(
    ("answer", "cls", "code"),
    [
        (error(403, 2001103, "Det saknas en licens för API"), MissingLicenceError, 2001103),
        (
            error(400, 2001101, "Det finns ingen aktiv licens för önskat scope"),
            MissingLicenceError,
            2001101,
        ),
        (error(403, 2000663, "Har inte behörighet för scope"), MissingScopeError, 2000663),
        (error(400, 2000999, "Kan inte bokföra i låst period."), LockedPeriodError, 2000999),
        (error(400, 2000359, "Värdet innehåller ej tillåtna tecken"), ValidationError, 2000359),
    ],
)
async def test_errors_are_classified_and_explained(
    sleeper: ManualClock, answer: httpx.Response, cls: type, code: int
) -> None:
    script = Script([answer])
    with pytest.raises(cls) as caught:
        await make(script, sleeper).customers.get("7")
    assert caught.value.code == code
    assert caught.value.explanation
    assert caught.value.fix
    assert len(script.sent) == 1  # none of these is retried


async def test_error_text_has_swedish_message_english_explanation_and_fix(
    sleeper: ManualClock,
) -> None:
    script = Script([error(400, 2000359, "Värdet innehåller ej tillåtna tecken")])
    with pytest.raises(ValidationError) as caught:
        await make(script, sleeper).customers.create({"name": "Bygg™ AB"})
    text = str(caught.value)
    assert "2000359" in text
    assert "Värdet innehåller ej tillåtna tecken" in text
    assert "characters Fortnox does not allow" in text
    assert "POST /3/customers" in text


async def test_unsupported_operation_sends_nothing(sleeper: ManualClock) -> None:
    script = Script([fortnox_json(204, None)])
    client = make(script, sleeper)
    with pytest.raises(UnsupportedOperation, match="no delete on /3/employees"):
        await client.employees.delete("1")
    assert script.sent == []


async def test_update_changed_sends_only_differences_and_nothing_when_equal(
    sleeper: ManualClock,
) -> None:
    script = Script([fortnox_json(200, {"Customer": {"CustomerNumber": "7", "City": "Lund"}})])
    client = make(script, sleeper)
    original = Customer.model_validate({"CustomerNumber": "7", "Name": "A", "City": "Malmö"})
    same = await client.customers.update_changed("7", original, original)
    assert same is original
    assert script.sent == []
    changed = original.model_copy(update={"city": "Lund", "name": None})
    await client.customers.update_changed("7", original, changed)
    (request,) = script.sent
    assert request.method == "PUT"
    assert httpx.Response(200, content=request.content).json() == {
        "Customer": {"City": "Lund", "Name": "API_BLANK"}
    }


async def test_list_parameters_are_sent_as_fortnox_expects(sleeper: ManualClock) -> None:
    meta = {"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1}
    script = Script([fortnox_json(200, {"MetaInformation": meta, "Invoices": []})])
    await make(script, sleeper).invoices.list_page(
        filter="unpaid", lastmodified=datetime(2026, 3, 1, 12, 30), fromdate=date(2026, 1, 1),
        sortby="documentnumber", sortorder="descending", search={"customernumber": "7"},
    )  # fmt: skip
    params = dict(script.sent[0].url.params)
    assert params == {
        "page": "1", "limit": "100", "filter": "unpaid", "lastmodified": "2026-03-01 12:30",
        "fromdate": "2026-01-01", "sortby": "documentnumber", "sortorder": "descending",
        "customernumber": "7",
    }  # fmt: skip
    with pytest.raises(ValueError, match="lower-case"):
        await make(script, sleeper).invoices.list_page(search={"CustomerNumber": "7"})


async def test_binary_preview_returns_pdf_bytes(sleeper: ManualClock) -> None:
    pdf = httpx.Response(200, content=b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
    script = Script([pdf])
    content = await make(script, sleeper).invoices.preview(5)
    assert content.startswith(b"%PDF")
    assert script.sent[0].url.path == "/3/invoices/5/preview"
