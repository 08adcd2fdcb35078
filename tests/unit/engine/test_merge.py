from __future__ import annotations

import pytest

from fortnox_bridge.engine.sync.merge import Policy, three_way

BASE = {"city": "Lund", "phone1": "070", "email": "a@b.se"}


def test_one_sided_changes_flow_and_agreement_moves_the_base() -> None:
    bridge = {**BASE, "city": "Malmö"}  # bridge changed city
    fortnox = {**BASE, "phone1": "08"}  # Fortnox changed phone
    result = three_way(bridge, fortnox, BASE, {"city", "phone1", "email"}, "ask")
    assert result.take_fortnox == {"phone1": "08"}
    assert result.open_conflicts == {}
    # city stays at the base so the push flow sends the bridge's Malmö
    assert result.snapshot == {"city": "Lund", "phone1": "08", "email": "a@b.se"}


@pytest.mark.parametrize(
    ("policy", "take", "snapshot_city", "open_fields", "settled"),
    [
        ("bridge_wins", {}, "Ystad", {}, {"city": "bridge"}),
        ("fortnox_wins", {"city": "Ystad"}, "Ystad", {}, {"city": "fortnox"}),
        ("ask", {}, "Lund", {"city": {"base": "Lund", "bridge": "Malmö", "fortnox": "Ystad"}}, {}),
    ],
)
def test_both_sides_changed_follows_the_policy(
    policy: str, take: dict, snapshot_city: str, open_fields: dict, settled: dict
) -> None:
    bridge, fortnox = {**BASE, "city": "Malmö"}, {**BASE, "city": "Ystad"}
    result = three_way(bridge, fortnox, BASE, {"city"}, policy)  # type: ignore[arg-type]
    assert result.take_fortnox == take
    assert result.snapshot["city"] == snapshot_city
    assert result.open_conflicts == open_fields
    assert result.settled == settled


def test_same_change_on_both_sides_is_agreement_and_blanks_compare_equal() -> None:
    bridge = {"city": "Malmö", "phone1": None}
    fortnox = {"city": "Malmö", "phone1": ""}
    result = three_way(bridge, fortnox, BASE, {"city", "phone1"}, "ask")
    assert not result.changed
    assert result.snapshot == {"city": "Malmö", "email": "a@b.se"}


def test_fields_fortnox_did_not_show_keep_their_base() -> None:
    result = three_way({"city": "X"}, {}, {"city": "Lund"}, set(), "fortnox_wins")
    assert (result.snapshot, result.take_fortnox) == ({"city": "Lund"}, {})


def test_without_a_base_a_missing_value_is_filled_from_the_other_side() -> None:
    result = three_way(
        {"email": "a@b.se", "phone1": "070"},
        {"email": "a@b.se", "city": "Ö"},
        {},
        {"email", "phone1", "city"},
        "ask",
    )
    assert result.take_fortnox == {"city": "Ö"}
    assert result.open_conflicts == {}
    assert result.snapshot == {"email": "a@b.se", "city": "Ö"}  # phone1 is pushed


HELD = {"city": {"base": "Lund", "bridge": "Malmö", "fortnox": "Ystad"}}


def test_an_open_conflict_on_a_field_not_read_stays_as_it_is() -> None:
    bridge = {**BASE, "city": "Malmö"}
    listed = {"phone1": "070", "email": "a@b.se"}  # a list without the city
    result = three_way(bridge, listed, BASE, {"phone1", "email"}, "ask", HELD)
    assert result.open_conflicts == HELD
    assert (result.closed, result.snapshot["city"]) == (None, "Lund")


@pytest.mark.parametrize(
    ("ours", "theirs", "still_open"),
    [
        ("Malmö", "Malmö", None),  # equal as read: agreed
        ("Malmö", "Lund", {"base": "Lund", "bridge": "Malmö", "fortnox": "Lund"}),
        ("Lund", "Ystad", {"base": "Lund", "bridge": "Lund", "fortnox": "Ystad"}),
        ("Malmö", "Umeå", {"base": "Lund", "bridge": "Malmö", "fortnox": "Umeå"}),
    ],
)
def test_an_open_conflict_closes_only_when_both_sides_are_equal_as_read(
    ours: str, theirs: str, still_open: dict | None
) -> None:
    bridge, fortnox = {**BASE, "city": ours}, {**BASE, "city": theirs}
    result = three_way(bridge, fortnox, BASE, {"city", "phone1"}, "ask", HELD)
    assert result.take_fortnox == {}  # nothing flows while it is open
    if still_open is None:
        assert (result.open_conflicts, result.closed) == ({}, "agreed")
        assert result.snapshot["city"] == "Malmö"
    else:
        assert (result.open_conflicts, result.closed) == ({"city": still_open}, None)
        assert result.snapshot["city"] == "Lund"


def test_a_policy_other_than_ask_settles_an_open_conflict_for_its_side() -> None:
    bridge, fortnox = {**BASE, "city": "Malmö"}, {**BASE, "city": "Ystad"}
    result = three_way(bridge, fortnox, BASE, {"city"}, "fortnox_wins", HELD)
    assert (result.take_fortnox, result.closed) == ({"city": "Ystad"}, "fortnox")
    ours = three_way(bridge, fortnox, BASE, {"city"}, "bridge_wins", HELD)
    assert (ours.take_fortnox, ours.closed) == ({}, "bridge")
    unread = three_way(bridge, {}, BASE, set(), "bridge_wins", HELD)
    assert (unread.open_conflicts, unread.closed) == (HELD, None)


@pytest.mark.parametrize("policy", ["ask", "fortnox_wins", "bridge_wins"])
def test_a_guarded_fortnox_change_is_held_whatever_the_policy(policy: Policy) -> None:
    base = {"price": "100"}
    result = three_way(base, {}, base, {"price"}, policy, guarded={"price"})
    assert result.take_fortnox == {}
    assert result.open_conflicts == {"price": {"base": "100", "bridge": "100", "fortnox": None}}
    assert result.snapshot == base  # nothing flows either way until someone decides
    unguarded = three_way(base, {}, base, {"price"}, policy)
    assert (unguarded.take_fortnox, unguarded.open_conflicts) == ({"price": None}, {})
    agreed = three_way({}, {}, base, {"price"}, policy, guarded={"price"})
    assert agreed.open_conflicts == {}  # both sides without: nothing to hold
