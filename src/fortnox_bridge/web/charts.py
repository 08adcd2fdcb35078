"""Small charts drawn on the server as inline SVG (no script, readable by screen readers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

WIDTH = 720
HEIGHT = 200
_TOP, _BOTTOM, _LEFT, _RIGHT = 16, 24, 40, 8


@dataclass(frozen=True)
class Series:
    """One row of bars: its name (legend), its CSS class (colour) and one value per day."""

    name: str
    css: str
    values: Sequence[int]


def _nice_max(value: int) -> int:
    """The axis' top: ``value`` rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def daily_bars(title: str, days: Sequence[date], series: Sequence[Series]) -> Markup:
    """Grouped bars, one group per day, with an accessible title, a y axis and a legend."""
    top = _nice_max(max((v for s in series for v in s.values), default=0))
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    group = plot_w / max(len(days), 1)
    bar = max((group - 2) / max(len(series), 1), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for fraction in (0, 0.5, 1):
        if top * fraction != int(top * fraction):
            continue  # no grid line between 0 and 1
        y = _TOP + plot_h * (1 - fraction)
        label = int(top * fraction)
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    for index, day in enumerate(days):
        x0 = _LEFT + index * group + 1
        for number, row in enumerate(series):
            value = row.values[index]
            height = plot_h * value / top
            x = x0 + number * bar
            y = _TOP + plot_h - height
            parts.append(
                f'<rect class="{escape(row.css)}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}"><title>{day.isoformat()}: {value} '
                f"{escape(row.name)}</title></rect>"
            )
        if index % 5 == 0 or index == len(days) - 1:
            parts.append(
                f'<text class="axis" x="{x0 + group / 2:.1f}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{day:%d/%m}</text>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch {escape(row.css)}" aria-hidden="true"></span>'
        f"{escape(row.name)}: {sum(row.values)}</li>"
        for row in series
    )
    return Markup("".join(parts) + f'<ul class="legend">{legend}</ul>')
