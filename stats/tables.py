"""A table of the statistics page as data: its columns, rows, chart hints; and people counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from cases.models import Sex


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple
    help: str = ""

    def value(self, columns: tuple[Column, ...], key: str):
        """Return this row's value in the column ``key`` (the label column excluded)."""
        keys = [column.key for column in columns[1:]]
        return self.values[keys.index(key)]


@dataclass(frozen=True)
class Table:
    """One table of the page, as the page shows it and the downloads write it."""

    key: str
    title: str
    columns: tuple[Column, ...]  # the first one heads the rows' labels
    rows: tuple[Row, ...]
    note: str = ""
    stack: tuple[str, ...] = ()  # the columns the chart stacks in each bar
    marker: str = ""  # a column the chart marks on each bar (a facility's capacity)
    chart_label: str = ""  # what the chart's bars measure
    extra: dict = field(default_factory=dict, compare=False)

    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    def cells(self) -> Iterator[list]:
        """Yield each row as the downloads write it: the label, then the values."""
        for row in self.rows:
            yield [row.label, *row.values]

    @property
    def lines(self) -> list[tuple[Row, list[tuple[Column, object]]]]:
        """Return each row with its values beside their columns, for the page."""
        return [(row, list(zip(self.columns[1:], row.values, strict=True))) for row in self.rows]

    @property
    def is_wide(self) -> bool:
        """Return True for a table too wide to sit beside its chart."""
        return len(self.columns) > 7

    @property
    def has_help(self) -> bool:
        return any(row.help for row in self.rows)

    @property
    def is_empty(self) -> bool:
        numeric = [index for index, column in enumerate(self.columns[1:]) if column.numeric]
        return not any(row.values[index] for row in self.rows for index in numeric)


SEX_COLUMNS = (
    Column(Sex.WOMAN, gettext_lazy("Women")),
    Column(Sex.MAN, gettext_lazy("Men")),
    Column(Sex.OTHER, gettext_lazy("Other")),
    Column(Sex.UNKNOWN, gettext_lazy("Sex unknown")),
)
PEOPLE_COLUMNS = (
    Column("total", gettext_lazy("Total")),
    *SEX_COLUMNS,
    Column("minors", gettext_lazy("Under 18")),
)
PEOPLE_KEYS = tuple(column.key for column in PEOPLE_COLUMNS)
SEX_KEYS = tuple(column.key for column in SEX_COLUMNS)


def people_counts(
    person: str, *, minor_cutoff: dt.date, within: Q | None = None, counted: str = ""
) -> dict[str, Count]:
    """Return the aggregates total, each sex and minors, of the people at path ``person``.

    ``counted`` is what is counted (the distinct people unless told, e.g. "pk" for verdicts);
    ``within`` limits every count (an event in the period, when the rows also hold others).
    """
    distinct = not counted
    target = counted or person

    def count(condition: Q | None) -> Count:
        if within is not None and condition is not None:
            condition = within & condition
        elif within is not None:
            condition = within
        return Count(target, distinct=distinct, filter=condition)

    counts = {"total": count(None)}
    for sex in SEX_KEYS:
        counts[sex] = count(Q(**{f"{person}__sex": sex}))
    counts["minors"] = count(Q(**{f"{person}__birth_on__gt": minor_cutoff}))
    return counts
