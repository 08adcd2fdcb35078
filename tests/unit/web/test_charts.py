"""The server-drawn bar chart of the runs page."""

from __future__ import annotations

from datetime import date, timedelta

from fortnox_bridge.web.charts import Series, daily_bars


def test_bars_scale_to_a_round_top_with_a_title_and_a_legend() -> None:
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(3)]
    svg = str(
        daily_bars(
            "Requests & items",
            days,
            [
                Series("Requests", "bar-requests", [0, 7, 3]),
                Series("Items", "bar-items", [1, 2, 0]),
            ],
        )
    )
    assert '<title id="chart-title">Requests &amp; items</title>' in svg
    assert 'role="img"' in svg
    assert svg.count("<rect ") == 6
    assert ">10</text>" in svg  # 7 rounds up to 10
    assert ">5</text>" in svg
    assert "<title>2026-03-02: 7 Requests</title>" in svg
    assert "Requests: 10</li>" in svg
    assert "Items: 3</li>" in svg


def test_an_empty_chart_has_no_repeated_axis_labels() -> None:
    svg = str(daily_bars("Nothing", [date(2026, 3, 1)], [Series("Items", "bar-items", [0])]))
    assert svg.count(">0</text>") == 1
    assert ">1</text>" in svg
    assert 'height="0.0"' in svg
