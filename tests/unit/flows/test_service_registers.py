"""The service family's register flows as pure declarations: which settings pause them, how
records map both ways, and what a price pull guards and imports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from fortnox_bridge.engine.flow.base import Excluded
from fortnox_bridge.flows.service.article_sync import ArticlePull, ArticlePush
from fortnox_bridge.flows.service.customer_sync import CustomerPull, CustomerPush
from fortnox_bridge.flows.service.price_sync import PricePull, PricePush
from fortnox_bridge.flows.service.register_records import HostTimeReport
from fortnox_bridge.flows.service.settings import ServiceSettings
from fortnox_bridge.flows.service.time_report_push import TimeReportPush


def settings(**values: object) -> ServiceSettings:
    return ServiceSettings.model_validate(values)


@pytest.mark.parametrize(
    ("direction", "push_runs", "pull_runs"),
    [("both", True, True), ("to_fortnox", True, False), ("from_fortnox", False, True),
     ("off", False, False)],
)  # fmt: skip
def test_the_direction_settings_pause_one_side(
    direction: str, push_runs: bool, pull_runs: bool
) -> None:
    for push, pull, name in ((CustomerPush, CustomerPull, "customers"),
                             (ArticlePush, ArticlePull, "articles")):  # fmt: skip
        chosen = settings(**{name: direction})
        assert (push(chosen).paused() is None, pull(chosen).paused() is None) == (
            push_runs,
            pull_runs,
        )
        assert pull(chosen).imports_unmatched() is pull_runs


def test_article_creation_disabled_pauses_the_article_push_only() -> None:
    chosen = settings(disable_article_creation=True)
    assert "disable_article_creation" in str(ArticlePush(chosen).paused())
    assert ArticlePull(chosen).paused() is None


def test_prices_and_time_reports_wait_for_their_settings() -> None:
    assert PricePush().paused() == PricePull().paused() == "the setting sync_prices is off"
    assert TimeReportPush().paused() == "time_reports is off"
    on = settings(sync_prices=True, time_reports=True)
    assert (PricePush(on).paused(), PricePull(on).paused(), TimeReportPush(on).paused()) == (
        None,
        None,
        None,
    )


def test_customers_map_both_ways_with_the_sub_group_for_new_ones() -> None:
    record = {"number": "3001", "name": "Bostad AB", "type": "private", "phone": "018-1"}
    fields = CustomerPush().map(record)
    assert fields == {"customer_number": "3001", "name": "Bostad AB", "type": "PRIVATE",
                      "phone1": "018-1", "active": True}  # fmt: skip
    pull = CustomerPull(settings(sub_group_on_sync="Fortnox"))
    assert pull.unmap({"name": "Ny", "type": "COMPANY"}) == {"name": "Ny", "type": "company"}
    new = pull.import_new({"customer_number": "3002", "name": "Ny", "email": None})
    assert new == {"number": "3002", "name": "Ny", "sub_group": "Fortnox"}


def test_inactive_articles_are_not_sent_nor_compared() -> None:
    record = {"number": "S-1", "description": "Filter", "vat": "25.00", "type": "stock"}
    assert ArticlePush().map(record) == {"article_number": "S-1", "description": "Filter",
                                         "vat": "25", "type": "STOCK", "active": True}  # fmt: skip
    with pytest.raises(Excluded, match="inactive"):
        ArticlePush().map({**record, "active": False})
    assert ArticlePull().imports("S-1", {"active": False}) is False
    assert ArticlePull().pull_params() == {"filter": "active"}


def test_prices_of_the_tenants_list_only_and_never_empty() -> None:
    push = PricePush(settings(sync_prices=True, price_list="B"))
    assert push.map({"article_number": "S-1", "price_list": "B", "price": "99.50"}) == {
        "price_list": "B", "article_number": "S-1", "from_quantity": "0", "price": "99.5",
    }  # fmt: skip
    with pytest.raises(Excluded, match="price list A"):
        push.map({"article_number": "S-1", "price_list": "A", "price": "1"})
    with pytest.raises(Excluded, match="no price"):
        push.map({"article_number": "S-1", "price_list": "B"})


def test_an_empty_fortnox_price_is_guarded_unless_accepted() -> None:
    pull = PricePull(settings(sync_prices=True))
    assert pull.guarded({"article_number": "S-1"}) == {"price"}
    assert pull.guarded({"price": "10"}) == frozenset()
    accepting = PricePull(settings(sync_prices=True, accept_empty_fortnox_prices=True))
    assert accepting.guarded({"article_number": "S-1"}) == frozenset()
    assert pull.import_new({"article_number": "S-1", "price_list": "A"}) is None
    assert pull.import_new({"article_number": "S-1", "price_list": "A", "price": "10.0"}) == {
        "article_number": "S-1", "price_list": "A", "price": "10",
    }  # fmt: skip


def test_time_reports_take_attendance_codes_as_fortnox_causes() -> None:
    report = HostTimeReport(employee_number="7", date=date(2026, 3, 2), hours=Decimal("2.5"),
                            code="öt1", project="P1")  # fmt: skip
    fields = TimeReportPush().map(report.model_dump(mode="json", exclude_none=True))
    assert fields == {"employee_id": "7", "date": "2026-03-02", "cause_code": "OT1",
                      "hours": "2.5", "project": "P1"}  # fmt: skip
    with pytest.raises(ValidationError, match="absence code"):
        HostTimeReport(employee_number="7", date=date(2026, 3, 2), hours=1, code="SJK")
    with pytest.raises(ValidationError, match="cannot be sent to Fortnox"):
        HostTimeReport(employee_number="7", date=date(2026, 3, 2), hours=1, code="XYZ")


def test_the_price_writer_looks_in_the_tenants_price_list() -> None:
    class Prices:
        def iterate(self, **options: object) -> object:
            return options

    class Client:
        prices = Prices()

    writer = PricePush(settings(sync_prices=True, price_list="B")).write_resource(Client())  # type: ignore[arg-type]
    assert writer.iterate(search={"x": "y"}) == {"price_list": "B"}
