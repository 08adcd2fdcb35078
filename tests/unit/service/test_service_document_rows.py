"""One test per setting of the rows and cost-centre groups: the exact Fortnox rows each gives."""

from __future__ import annotations

from typing import Any

from unit.service.document_cases import article, build, rows, text


def art(number: str, qty: str, **more: Any) -> dict[str, Any]:
    return {"type": "article", "article_number": number, "quantity": qty, **more}


def action(date: str, hours: str, who: str, what: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "action",
        "date": date,
        "hours": hours,
        "technician": who,
        "description": what,
        **more,
    }


D1, D2 = "2026-03-02", "2026-03-03"
WORK = [
    art("F1", "2", date=D2, technician="Erik Ek"),
    action(D2, "1.5", "Erik Ek", "Bytte filter", article_number="ARB"),
    action(D1, "2", "Anna Berg", "Felsökning", article_number="ARB"),
    art("F1", "1", date=D1, technician="Anna Berg"),
    {"type": "text", "text": "Allt klart"},
]


def test_without_row_settings_the_hosts_order_is_kept() -> None:
    assert rows(build(rows=WORK)) == [
        article("F1", "2", "Oljefilter"),
        article("ARB", "1.5", "Bytte filter"),
        article("ARB", "2", "Felsökning"),
        article("F1", "1", "Oljefilter"),
        text("Allt klart"),
    ]


def test_sort_by_actions_groups_by_date_with_a_summary_each() -> None:
    assert rows(build({"sort_by_actions": True}, rows=WORK)) == [
        text("Allt klart"),
        text("2026-03-02: 2 h, 1 artikelrad"),
        article("ARB", "2", "Felsökning"),
        article("F1", "1", "Oljefilter"),
        text("2026-03-03: 1,5 h, 1 artikelrad"),
        article("ARB", "1.5", "Bytte filter"),
        article("F1", "2", "Oljefilter"),
    ]


def test_technician_on_action_summary_names_the_days_technicians() -> None:
    two = [*WORK, action(D1, "1", "Erik Ek", "Provkörning")]
    settings = {"sort_by_actions": True, "technician_on_action_summary": True}
    assert [row["Description"] for row in rows(build(settings, rows=two)) if len(row) == 1] == [
        "Allt klart",
        "2026-03-02: 3 h, 1 artikelrad (Anna Berg, Erik Ek)",
        "Provkörning",  # an action without a labour article is a text row
        "2026-03-03: 1,5 h, 1 artikelrad (Erik Ek)",
    ]


def test_action_dates_start_the_actions_rows() -> None:
    document = build({"action_dates": True}, rows=[WORK[1], action(D1, "1", "A", "Städning")])
    assert rows(document) == [
        article("ARB", "1.5", "2026-03-03 Bytte filter"),
        text("2026-03-02 Städning"),
    ]


def test_description_and_cause_become_text_rows_on_top() -> None:
    document = build(
        {"description_and_cause": True, "order_text": "Tack!", "order_text_on_top": True},
        description="Läcker\nolja",
        fault_cause="Packning",
    )
    assert rows(document) == [
        text("Tack!"),
        text("Beskrivning: Läcker olja"),
        text("Fel/orsak: Packning"),
        article("F1", "1", "Oljefilter"),
    ]


def test_technician_on_rows_names_who_did_it() -> None:
    assert rows(build({"technician_on_rows": True}, rows=WORK[:2])) == [
        article("F1", "2", "Oljefilter (Erik Ek)"),
        article("ARB", "1.5", "Bytte filter (Erik Ek)"),
    ]


def test_sort_articles_by_date_moves_articles_only() -> None:
    undated = art("F1", "5")
    document = build({"sort_articles_by_date": True}, rows=[undated, *WORK])
    assert rows(document) == [
        article("F1", "1", "Oljefilter"),  # 2026-03-02
        article("F1", "2", "Oljefilter"),  # 2026-03-03
        article("ARB", "1.5", "Bytte filter"),
        article("ARB", "2", "Felsökning"),
        article("F1", "5", "Oljefilter"),  # undated: last of the articles
        text("Allt klart"),
    ]


def test_sum_article_rows_adds_rows_of_one_article_and_price() -> None:
    settings = {"sum_article_rows": True, "set_prices": True, "technician_on_rows": True}
    document = build(
        settings,
        rows=[
            *WORK[:4],
            art("F1", "0.5", price="120"),  # another price: a row of its own
            art("F1", "1.5", price="120", date=D1),
        ],
    )
    assert rows(document) == [
        article("F1", "3", "Oljefilter (Erik Ek, Anna Berg)"),
        article("ARB", "1.5", "Bytte filter (Erik Ek)"),  # actions are never summed
        article("ARB", "2", "Felsökning (Anna Berg)"),
        article("F1", "2", "Oljefilter", Price=120.0),
    ]


def test_sum_ignore_articles_are_never_summed() -> None:
    settings = {"sum_article_rows": True, "sum_ignore_articles": "F1;X"}
    assert rows(build(settings, rows=[art("F1", "1"), art("F1", "2")])) == [
        article("F1", "1", "Oljefilter"),
        article("F1", "2", "Oljefilter"),
    ]
    assert rows(build({"sum_article_rows": True}, rows=[art("F1", "1"), art("F1", "2")])) == [
        article("F1", "3", "Oljefilter")
    ]


def test_sums_under_sort_by_actions_stay_within_their_date() -> None:
    settings = {"sum_article_rows": True, "sort_by_actions": True}
    document = build(settings, rows=[art("F1", "1", date=D1), art("F1", "2", date=D1)])
    assert rows(document) == [text("2026-03-02: 1 artikelrad"), article("F1", "3", "Oljefilter")]


def test_omit_hidden_articles_drops_their_rows() -> None:
    given = [
        art("FRAKT", "1"),
        art("F1", "1"),
        action(D1, "1", "A", "Körning", article_number="FRAKT"),
    ]
    assert rows(build({"omit_hidden_articles": True}, rows=given)) == [
        article("F1", "1", "Oljefilter")
    ]
    assert len(rows(build(rows=given))) == 3


def test_set_prices_sends_the_hosts_price_with_two_decimals() -> None:
    given = [
        art("F1", "1", price="89.9"),
        action(D1, "2", "A", "Arbete", article_number="ARB", price="650"),
    ]
    assert rows(build({"set_prices": True}, rows=given)) == [
        article("F1", "1", "Oljefilter", Price=89.9),
        article("ARB", "2", "Arbete", Price=650.0),
    ]
    assert rows(build(rows=given)) == [
        article("F1", "1", "Oljefilter"),
        article("ARB", "2", "Arbete"),
    ]


def test_no_price_articles_keep_fortnoxs_price() -> None:
    given = [art("F1", "1", price="89.9"), art("ARB", "1", price="650")]
    document = build({"set_prices": True, "no_price_articles": "ARB"}, rows=given)
    assert rows(document) == [
        article("F1", "1", "Oljefilter", Price=89.9),
        article("ARB", "1", "Arbete"),
    ]


OBJECT_ROW = {"type": "service_object", "service_object": "K1"}


def test_service_object_on_rows_names_it() -> None:
    assert rows(build({"service_object_on_rows": True}, rows=[OBJECT_ROW])) == [
        text("ATLAS COPCO GA 10")
    ]
    assert rows(build(rows=[OBJECT_ROW])) == []


def test_service_object_serial_adds_the_serial_number() -> None:
    settings = {"service_object_on_rows": True, "service_object_serial": True}
    assert rows(build(settings, rows=[OBJECT_ROW])) == [
        text("ATLAS COPCO GA 10, serienr API123456789")
    ]


def test_serial_number_length_cuts_the_serial_number() -> None:
    settings = {
        "service_object_on_rows": True,
        "service_object_serial": True,
        "serial_number_length": 6,
    }
    assert rows(build(settings, rows=[OBJECT_ROW])) == [text("ATLAS COPCO GA 10, serienr API123")]


def test_service_object_prefix_goes_before_the_name() -> None:
    settings = {"service_object_on_rows": True, "service_object_prefix": "Maskin: "}
    assert rows(build(settings, rows=[OBJECT_ROW])) == [text("Maskin: ATLAS COPCO GA 10")]


def test_service_object_comment_follows_the_object() -> None:
    settings = {"service_object_on_rows": True, "service_object_comment": True}
    assert rows(build(settings, rows=[OBJECT_ROW])) == [
        text("ATLAS COPCO GA 10"),
        text("Står i källaren"),  # the object's own comment
    ]
    commented = {**OBJECT_ROW, "comment": "Bytt remmar"}
    assert rows(build(settings, rows=[commented])) == [
        text("ATLAS COPCO GA 10"),
        text("Bytt remmar"),  # the order's comment on it comes first
    ]


def test_an_unknown_service_object_is_named_by_its_number() -> None:
    document = build({"service_object_on_rows": True}, rows=[{**OBJECT_ROW, "service_object": "Z"}])
    assert rows(document) == [text("Z")]
    assert document.warnings == (
        "service object 'Z' of the order is unknown to the bridge; its row names it by its number",
    )


def test_comments_go_to_comments_cut_to_1024() -> None:
    given = [{"text": "Ring före besök", "author": "Anna"}, {"text": "x" * 1100}]
    document = build({"comments": True}, comments=given)
    assert document.fields["Comments"] == ("Anna: Ring före besök\n" + "x" * 1100)[:1024]
    assert document.warnings == (
        "Comments cut to 1,024 characters (Fortnox's limit); it had 1,122",
    )
    assert "Comments" not in build(comments=given).fields


# -- cost centres -------------------------------------------------------------------------------


def test_user_cost_center_on_rows_fills_rows_without_one() -> None:
    given = [art("F1", "1"), art("F1", "2", cost_center="OWN"), {"type": "text", "text": "T"}]
    document = build({"user_cost_center_on_rows": True}, cost_center="USR", rows=given)
    assert rows(document) == [
        article("F1", "1", "Oljefilter", CostCenter="USR"),
        article("F1", "2", "Oljefilter", CostCenter="OWN"),
        text("T"),  # text rows carry only their text
    ]
    assert document.cost_centers == frozenset({"USR", "OWN"})
    assert rows(build(cost_center="USR", rows=given[:1])) == [article("F1", "1", "Oljefilter")]


def test_cost_center_is_added_to_rows_without_one() -> None:
    given = [art("F1", "1"), art("F1", "2", cost_center="OWN")]
    settings = {"cost_center": "ADD", "user_cost_center_on_rows": True}
    document = build(settings, rows=given)  # the order names no user's cost centre
    assert rows(document) == [
        article("F1", "1", "Oljefilter", CostCenter="ADD"),
        article("F1", "2", "Oljefilter", CostCenter="OWN"),
    ]
    assert document.cost_centers == frozenset({"ADD", "OWN"})
    assert rows(build(settings, cost_center="USR", rows=given[:1])) == [
        article("F1", "1", "Oljefilter", CostCenter="USR")
    ]


def test_ignore_cost_centers_are_never_filled_in() -> None:
    settings = {"user_cost_center_on_rows": True, "ignore_cost_centers": "USR;OWN"}
    given = [art("F1", "1"), art("F1", "2", cost_center="OWN")]
    document = build(settings, cost_center="USR", rows=given)
    assert rows(document) == [
        article("F1", "1", "Oljefilter"),
        article("F1", "2", "Oljefilter", CostCenter="OWN"),  # the row's own is sent
    ]
    both = build({**settings, "cost_center": "ADD"}, cost_center="USR", rows=given[:1])
    assert rows(both) == [article("F1", "1", "Oljefilter", CostCenter="ADD")]
