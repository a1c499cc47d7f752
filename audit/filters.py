"""The filters of the audit log: who, what, which record, when."""

from __future__ import annotations

import datetime as dt

import django_filters as df
from django import forms as django_forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Action, AuditEvent
from .signals import audited_models


class DateInput(django_forms.DateInput):
    input_type = "date"


def model_choices() -> list[tuple[str, str]]:
    return sorted(
        (model._meta.label_lower, str(capfirst(model._meta.verbose_name)))
        for model in audited_models()
    )


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditEventFilter(df.FilterSet):
    actor = df.CharFilter(
        label=_("Actor"),
        field_name="actor_label",
        lookup_expr="icontains",
        help_text=_("A username, or “system” for commands and tasks."),
    )
    action = df.ChoiceFilter(label=_("Action"), choices=Action.choices)
    model = df.ChoiceFilter(label=_("Record type"), choices=model_choices)
    object_id = df.CharFilter(label=_("Record id"))
    since = df.DateFilter(label=_("From"), method="filter_since", widget=DateInput())
    until = df.DateFilter(label=_("Until"), method="filter_until", widget=DateInput())
    request_id = df.CharFilter(label=_("Request"))

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=start_of(value))

    def filter_until(self, queryset, name, value):
        # Through the end of that day, in local time.
        return queryset.filter(at__lt=start_of(value + dt.timedelta(days=1)))
