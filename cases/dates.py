"""Dates as sources give them: a day, a month, a year, a range, or "after" a day.

A fuzzy date is stored as three columns: ``<name>_on`` (the earliest possible day, the sort key),
``<name>_until`` (the latest possible day, empty when open-ended) and ``<name>_precision``.
Sorting and filtering use the two bounds; display uses the precision, so "January 2023" is
never shown as "2023-01-01".
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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
            return date_format(self.on, "DATE_FORMAT")
        if self.precision == Precision.MONTH:
            return date_format(self.on, "YEAR_MONTH_FORMAT")
        if self.precision == Precision.YEAR:
            return str(self.on.year)
        if self.precision == Precision.AFTER:
            return _("after %(date)s") % {"date": date_format(self.on, "DATE_FORMAT")}
        if self.until is None:
            return _("after %(date)s") % {"date": date_format(self.on, "DATE_FORMAT")}
        if self.on.year == self.until.year:
            start = date_format(self.on, "MONTH_DAY_FORMAT")
        else:
            start = date_format(self.on, "DATE_FORMAT")
        return _("between %(start)s and %(end)s") % {
            "start": start,
            "end": date_format(self.until, "DATE_FORMAT"),
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
