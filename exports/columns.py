"""Columns declared once per list as (header, accessor), compiled into a fast row converter.

An accessor names the ``values_list()`` fields it reads and how to turn them into a cell. A
cell is typed: text, a number, a date or a naive local datetime, or ``None``; both writers
share the converted rows. Every text cell is neutralised here (``exports/spreadsheet.py``), once,
for both formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.dates import FuzzyDate

from .models import Profile
from .spreadsheet import RISKY_FIRST, neutralise


@dataclass(frozen=True)
class Column:
    """One column: its header, the fields it reads and how it renders them.

    ``render`` gets the fields' values in order (none: the single value as it is). ``redacted``
    replaces ``render`` in the redacted profile; ``full_only`` leaves the column out of it.
    ``text`` marks a column whose cells are text, neutralised against formulas.
    """

    header: str
    fields: tuple[str, ...]
    render: Callable | None = None
    redacted: Callable | None = None
    full_only: bool = False
    text: bool = True

    def renderer(self, profile: str) -> Callable | None:
        if profile == Profile.REDACTED and self.redacted is not None:
            return self.redacted
        return self.render


def column(header, *fields: str, render=None, redacted=None, full_only=False, text=True):
    return Column(header, fields, render, redacted, full_only, text)


def number(header, name: str) -> Column:
    return Column(header, (name,), text=False)


def date(header, name: str) -> Column:
    return Column(header, (name,), text=False)


# Renderers built when an export starts, inside the export's language -------------------------


@dataclass
class Context:
    """What renderers need that is fixed for one export: language-bound words, today."""

    today: dt.date = field(default_factory=timezone.localdate)
    zone: dt.tzinfo = field(default_factory=timezone.get_current_timezone)


def labels(choices) -> Callable:
    """Return a renderer of a choice's code as its label in the export's language."""

    def build(context: Context) -> Callable:
        words = {code: str(label) for code, label in choices}
        return lambda code: words.get(code, code or "")

    return build


def yes_no(context: Context) -> Callable:
    yes, no = _("Yes"), _("No")
    return lambda value: yes if value else no


def fuzzy(context: Context) -> Callable:
    """Return a renderer of a fuzzy date's three columns as the screens write it."""
    seen: dict = {}  # many rows share a date; formatting one costs microseconds

    def render(on, precision, until):
        if on is None:
            return None
        key = (on, precision, until)
        text = seen.get(key)
        if text is None:
            if len(seen) > 10_000:
                seen.clear()
            text = seen[key] = str(FuzzyDate(on, precision, until))
        return text

    return render


def local_datetime(context: Context) -> Callable:
    """Return a renderer of an aware datetime as a naive local one (spreadsheets have no zones)."""
    zone = context.zone

    def render(value):
        if value is None:
            return None
        return value.astimezone(zone).replace(tzinfo=None)

    return render


def plain(context: Context) -> Callable:
    return lambda value: value


@dataclass(frozen=True)
class Plan:
    """A compiled export: the headers, the fields to select, and the row converter."""

    headers: list[str]
    fields: list[str]
    convert: Callable[[tuple], list]
    text_columns: frozenset[int]


def compile_columns(columns: Sequence[Column], profile: str, context: Context) -> Plan:
    """Return the plan of these columns for a profile (renderer factories called once here)."""
    chosen = [c for c in columns if not (c.full_only and profile != Profile.FULL)]
    fields: list[str] = []
    for col in chosen:
        fields += [name for name in col.fields if name not in fields]
    position = {name: index for index, name in enumerate(fields)}
    steps = []
    for col in chosen:
        factory = col.renderer(profile)
        render = factory(context) if factory is not None else None
        steps.append((tuple(position[name] for name in col.fields), render, col.text))
    return Plan(
        headers=[neutralise(str(col.header)) for col in chosen],
        fields=fields,
        convert=converter(steps),
        text_columns=frozenset(i for i, col in enumerate(chosen) if col.text),
    )


def converter(steps) -> Callable[[tuple], list]:
    """Return the function turning one selected row into the export's cells.

    It is generated as one expression per cell (``row[3]``, ``_r4(row[5], row[6])``; a text
    cell calls ``neutralise`` only when its first character could start a formula) because it
    runs for every row: a loop over the columns calling a getter, a renderer and a check per
    cell took three times as long (README "Exports").
    The generated text holds only indexes and names made here, never data.
    """
    namespace: dict = {"R": RISKY_FIRST, "N": neutralise}
    cells = []
    for number, (indexes, render, text) in enumerate(steps):
        arguments = ", ".join(f"row[{index}]" for index in indexes)
        if render is None:
            value = f"row[{indexes[0]}]"
        else:
            namespace[f"_r{number}"] = render
            value = f"_r{number}({arguments})"
        if text:
            kind = " and v.__class__ is str" if render is not None else ""
            value = f"(N(v) if (v := {value}){kind} and v[0] in R else v)"
        cells.append(value)
    source = "def convert(row):\n    return [" + ", ".join(cells) + "]\n"
    exec(compile(source, "<export columns>", "exec"), namespace)  # noqa: S102 (see docstring)
    return namespace["convert"]
