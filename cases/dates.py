"""Dates as sources give them: a day, a month, a year, a range, or "after" a day.

A fuzzy date is stored as three columns: ``<name>_on`` (the earliest possible day, the sort key),
``<name>_until`` (the latest possible day, empty when open-ended) and ``<name>_precision``.
Sorting and filtering use the two bounds; display uses the precision, so "January 2023" is
never shown as "2023-01-01".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import formats
from django.utils.dates import MONTHS
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

# Django's own splitting of a format string (django.utils.dateformat).
FORMAT_CHARS = re.compile(r"(?<!\\)([aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ])")
ESCAPED = re.compile(r"\\(.)")
# The specifiers our formats use (monitoring/formats): a format with any other goes to Django.
FAST_SPECIFIERS = {
    "j": lambda v, months: str(v.day),
    "d": lambda v, months: f"{v.day:02d}",
    "n": lambda v, months: str(v.month),
    "m": lambda v, months: f"{v.month:02d}",
    "F": lambda v, months: months[v.month],
    "Y": lambda v, months: str(v.year),
    "G": lambda v, months: str(v.hour),
    "H": lambda v, months: f"{v.hour:02d}",
    "i": lambda v, months: f"{v.minute:02d}",
}
_compiled: dict[tuple[str, str | None], tuple | None] = {}


@receiver(setting_changed)
def _forget_formats(*, setting, **kwargs):
    if setting in {"FORMAT_MODULE_PATH", "LANGUAGE_CODE", "LANGUAGES"} or setting.endswith(
        "_FORMAT"
    ):
        _compiled.clear()


def _compile(name: str) -> tuple | None:
    """Split the active language's format into literals and specifier functions, once."""
    pieces = FORMAT_CHARS.split(str(formats.get_format(name)))
    parts = []
    for index, piece in enumerate(pieces):
        if index % 2:
            if piece not in FAST_SPECIFIERS:
                return None
            parts.append(FAST_SPECIFIERS[piece])
        elif piece:
            parts.append(ESCAPED.sub(r"\1", piece))
    months = {number: str(label) for number, label in MONTHS.items()}
    return tuple(parts), months


def format_date(value: dt.date, name: str = "DATE_FORMAT") -> str:
    """``django.utils.formats.date_format(value, name)``, several times faster.

    A timeline or a list formats hundreds of dates a page, and Django's formatter parses the
    format string and looks up the time zone for each. Here the active language's format is
    split once; a format using a specifier outside ``FAST_SPECIFIERS`` is left to Django.
    Like Django's, it formats the value as given: convert a moment to local time first.
    """
    key = (name, get_language())
    if key not in _compiled:
        _compiled[key] = _compile(name)
    compiled = _compiled[key]
    if compiled is None:
        return formats.date_format(value, name)
    parts, months = compiled
    return "".join(part if isinstance(part, str) else part(value, months) for part in parts)


class Precision(models.TextChoices):
    DAY = "day", gettext_lazy("Exact day")
    MONTH = "month", gettext_lazy("Month only")
    YEAR = "year", gettext_lazy("Year only")
    RANGE = "range", gettext_lazy("Between two days")
    AFTER = "after", gettext_lazy("On or after a day")


def normalise(on: dt.date | None, precision: str, until: dt.date | None):
    """Return ``(on, until)`` snapped to the precision: a month becomes its first and last day."""
    if on is None:
        return None, None
    if precision == Precision.DAY:
        return on, on
    if precision == Precision.MONTH:
        last = calendar.monthrange(on.year, on.month)[1]
        return on.replace(day=1), on.replace(day=last)
    if precision == Precision.YEAR:
        return on.replace(month=1, day=1), on.replace(month=12, day=31)
    if precision == Precision.AFTER:
        return on, None
    return on, until


@dataclass(frozen=True)
class FuzzyDate:
    on: dt.date
    precision: str = Precision.DAY
    until: dt.date | None = None

    @classmethod
    def of(cls, obj, name: str) -> FuzzyDate | None:
        on = getattr(obj, f"{name}_on")
        if on is None:
            return None
        return cls(on, getattr(obj, f"{name}_precision"), getattr(obj, f"{name}_until"))

    @property
    def sort_key(self) -> dt.date:
        return self.on

    @property
    def is_exact(self) -> bool:
        return self.precision == Precision.DAY

    def __str__(self) -> str:
        if self.precision == Precision.DAY:
            return format_date(self.on, "DATE_FORMAT")
        if self.precision == Precision.MONTH:
            return format_date(self.on, "YEAR_MONTH_FORMAT")
        if self.precision == Precision.YEAR:
            return str(self.on.year)
        if self.precision == Precision.AFTER:
            return _("after %(date)s") % {"date": format_date(self.on, "DATE_FORMAT")}
        if self.until is None:
            return _("after %(date)s") % {"date": format_date(self.on, "DATE_FORMAT")}
        if self.on.year == self.until.year:
            start = format_date(self.on, "MONTH_DAY_FORMAT")
        else:
            start = format_date(self.on, "DATE_FORMAT")
        return _("between %(start)s and %(end)s") % {
            "start": start,
            "end": format_date(self.until, "DATE_FORMAT"),
        }


def fuzzy_date_error(on, precision, until) -> str | None:
    """Return a message when the three parts do not make a date, else None."""
    if on is None:
        return None
    if precision == Precision.RANGE:
        if until is None:
            return _("A range needs its last possible day.")
        if until < on:
            return _("The last possible day cannot be before the first.")
    return None
