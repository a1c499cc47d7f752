"""Horizontal bar charts drawn on the server as inline SVG: no script, no outside asset.

The geometry is worked out here and the template only writes it out. Coordinates are plain
strings ("12.5"), so no locale setting can turn them into "12,5". Colours come from classes
(static/css/stats.css): the page's CSP allows no inline style. Each chart carries a title and
a description for screen readers, and the table beside it carries the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .tables import Table

WIDTH = 400
VALUE_ROOM = 56  # right of the longest bar: its number
ROW = 44  # label line, bar, gap
BAR = 15


def coordinate(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Segment:
    css: str
    label: str
    value: int
    x: str
    width: str


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    label_y: str
    bar_y: str
    value_x: str
    value_y: str
    segments: tuple[Segment, ...]
    marker_x: str = ""
    marker_top: str = ""
    marker_bottom: str = ""
    marker_label: str = ""


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str], ...]
    bar_height: int = BAR


def number(value) -> int:
    return value or 0


def bar_chart(table: Table) -> Chart | None:
    """Return the chart of a table (one bar per row, stacked by ``table.stack``), or None
    when there is nothing to draw."""
    if not table.stack or not table.rows or table.is_empty:
        return None
    columns = {column.key: column for column in table.columns[1:]}
    sums = [sum(number(row.value(table.columns, key)) for key in table.stack) for row in table.rows]
    marks = [
        number(row.value(table.columns, table.marker)) if table.marker else 0 for row in table.rows
    ]
    largest = max([*sums, *marks])
    if largest <= 0:
        return None
    scale = (WIDTH - VALUE_ROOM) / largest
    bars = []
    for index, (row, total, mark) in enumerate(zip(table.rows, sums, marks, strict=True)):
        top = index * ROW
        x = 0.0
        segments = []
        for key in table.stack:
            value = number(row.value(table.columns, key))
            if value:
                width = value * scale
                label = str(columns[key].label)
                segments.append(Segment(key, label, value, coordinate(x), coordinate(width)))
                x += width
        marker = {}
        if mark:
            marker = {
                "marker_x": coordinate(mark * scale),
                "marker_top": coordinate(top + 16),
                "marker_bottom": coordinate(top + 18 + BAR + 2),
                "marker_label": str(columns[table.marker].label),
            }
        bars.append(
            Bar(
                label=row.label,
                total=total,
                label_y=coordinate(top + 14),
                bar_y=coordinate(top + 18),
                value_x=coordinate(x + 4),
                value_y=coordinate(top + 18 + BAR - 2),
                segments=tuple(segments),
                **marker,
            )
        )
    legend = [(key, str(columns[key].label)) for key in table.stack]
    if any(bar.marker_x for bar in bars):
        legend.append(("marker", str(columns[table.marker].label)))
    return Chart(
        id=f"chart-{table.key}",
        title=table.title,
        description=_(
            "Bar chart of the table “%(title)s”: one bar per row, the length is the number of "
            "%(what)s. The table gives every number."
        )
        % {"title": table.title, "what": table.chart_label},
        width=WIDTH,
        height=len(bars) * ROW,
        bars=tuple(bars),
        legend=tuple(legend) if len(legend) > 1 else (),
    )
