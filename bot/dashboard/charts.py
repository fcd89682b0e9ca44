"""Bar charts drawn on the server as SVG: no script, no inline style (the page's CSP has
neither), and a table with the same numbers beside each chart for screen readers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    maximum: int


def bar_chart(points: list[tuple[str, int]], width: int = 720, height: int = 160) -> BarChart:
    """Bars scaled to the largest value; `points` are (label, value)."""
    maximum = max((value for _, value in points), default=0) or 1
    step = width / max(len(points), 1)
    bars = [
        Bar(
            x=round(i * step + step * 0.1, 1),
            y=round(height - value / maximum * (height - 4), 1),
            width=round(step * 0.8, 1),
            height=round(value / maximum * (height - 4), 1),
            label=label,
            value=value,
        )
        for i, (label, value) in enumerate(points)
    ]
    return BarChart(width, height, bars, maximum)
