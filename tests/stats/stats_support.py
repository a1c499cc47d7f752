"""Helpers of the statistics tests: read a table back from the page, count for a period."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

from stats.statistics import Period, Statistics

D = dt.date.fromisoformat
# A "today" after every period of the tests: "now" is then each period's last day.
LATER = dt.date(2030, 1, 1)


def stats_for(user, start: str, end: str | None = None, *, today: dt.date = LATER) -> Statistics:
    """Return the statistics of a period given as ISO days (one day when ``end`` is left out)."""
    return Statistics(user=user, period=Period(D(start), D(end or start), today))


def row_of(table, label: str) -> dict:
    """Return a table's row as {column key: value}, found by its label's start."""
    matches = [row for row in table.rows if row.label == label] or [
        row for row in table.rows if row.label.startswith(label)
    ]
    assert len(matches) == 1, (label, [row.label for row in table.rows])
    keys = [column.key for column in table.columns[1:]]
    return dict(zip(keys, matches[0].values, strict=True))


class TableReader(HTMLParser):
    """Collect the cell texts of the table in ``<section id="table-KEY">`` (row help left out)."""

    def __init__(self, key: str):
        super().__init__(convert_charrefs=True)
        self.section = f"table-{key}"
        self.inside = False
        self.skip = 0
        self.rows: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id") == self.section:
            self.inside = True
        if not self.inside:
            return
        if tag == "tr":
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = []
        elif tag in ("small", "svg"):
            self.skip += 1

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "section":
            self.inside = False
        elif tag in ("small", "svg"):
            self.skip -= 1
        elif tag in ("th", "td") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.inside and self.cell is not None and not self.skip:
            self.cell.append(data)


def page_table(html: str, key: str) -> list[list[str]]:
    """Return the header and rows of a table of the page as texts."""
    reader = TableReader(key)
    reader.feed(html)
    return reader.rows


def page_row(html: str, key: str, label: str) -> dict[str, str]:
    """Return one row of a table of the page as {column heading: text}."""
    header, *rows = page_table(html, key)
    matches = [row for row in rows if row[0].startswith(label)]
    assert len(matches) == 1, (label, [row[0] for row in rows])
    return dict(zip(header, matches[0], strict=True))
