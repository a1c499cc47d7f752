"""The period (and the measure to break down) the statistics page is asked for."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DateInput

from .statistics import (
    DEFAULT_END,
    DEFAULT_MEASURE,
    DEFAULT_START,
    MEASURE_CHOICES,
    TABLE_KEYS,
    Period,
)

# Far enough for any record, near enough that date arithmetic (18 years back) never fails.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To (included)"), widget=DateInput())
    measure = forms.ChoiceField(
        label=_("Break down"), choices=MEASURE_CHOICES, initial=DEFAULT_MEASURE
    )

    field_order = ["start", "end", "measure"]
    defaults = {"start": DEFAULT_START, "end": DEFAULT_END, "measure": DEFAULT_MEASURE}

    @classmethod
    def from_query(cls, query) -> PeriodForm:
        """Return the form for a query string: unbound (the defaults) when it names no field,
        else bound, a field left out of the query taking its default (a field sent empty is
        an error, as the page's form sends every field)."""
        if not any(name in query for name in cls.base_fields):
            return cls(initial=cls.defaults)
        data = query.copy()
        for name, default in cls.defaults.items():
            if name not in data:
                data[name] = default.isoformat() if isinstance(default, dt.date) else default
        if not data.get("measure"):
            data["measure"] = DEFAULT_MEASURE
        return cls(data)

    def clean_start(self):
        return self._within_range(self.cleaned_data["start"])

    def clean_end(self):
        return self._within_range(self.cleaned_data["end"])

    @staticmethod
    def _within_range(day: dt.date) -> dt.date:
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                _("Give a day between %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            )
        return day

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error(
                "end",
                forms.ValidationError(
                    _("The end of the period cannot be before its start."), code="end_before_start"
                ),
            )
        return cleaned

    def chosen(self) -> dict:
        """Return the values in force: the cleaned ones, or the defaults of an unbound form."""
        return self.cleaned_data if self.is_bound else dict(self.defaults)

    def period(self, *, today: dt.date) -> Period:
        chosen = self.chosen()
        return Period(start=chosen["start"], end=chosen["end"], today=today)


class DownloadForm(forms.Form):
    table = forms.ChoiceField(choices=[(key, key) for key in TABLE_KEYS])
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])
