"""Filters and sorting for the case list."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.dates import Precision
from cases.forms.base import DateInput
from cases.models import Case, Court

from .base import ModelChoiceFilter, SortedFilterSet, SortFilter


class CaseFilter(SortedFilterSet):
    static_form = True  # every field is the same for every request
    q = df.CharFilter(label=_("Reference, title, summary or court case number"), method="search")
    category = df.ChoiceFilter(label=_("Category"), choices=Case.Category.choices)
    stage = df.ChoiceFilter(label=_("Stage"), choices=Case.Stage.choices)
    status = df.ChoiceFilter(label=_("Status"), choices=Case.Status.choices)
    court = ModelChoiceFilter(
        label=_("Court"), queryset=Court.objects.order_by("name"), label_field="name"
    )
    confidentiality = df.ChoiceFilter(
        label=_("Confidentiality"), choices=Case.Confidentiality.choices
    )
    mine = df.BooleanFilter(
        label=_("Only cases assigned to me"), method="assigned_to_me", widget=forms.CheckboxInput
    )
    opened_after = df.DateFilter(
        label=_("Events may have begun on or after"), method="began_after", widget=DateInput
    )
    opened_before = df.DateFilter(
        label=_("Events may have begun on or before"), method="began_before", widget=DateInput
    )
    o = SortFilter(
        fields=(
            ("reference", "reference"),
            ("title", "title"),
            ("opened_on", "opened"),
            ("stage", "stage"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "reference": _("Reference"),
            "title": _("Title"),
            "opened_on": _("Events began"),
            "stage": _("Stage"),
            "updated_at": _("Updated"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Case
        fields = ["q", "category", "stage", "status", "court", "confidentiality"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(summary__icontains=value)
            | Q(court_case_number__icontains=value)
        )

    def assigned_to_me(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return queryset.assigned_to(self.request.user)

    # A fuzzy date is a span: keep the cases whose span meets the period asked for.
    def began_after(self, queryset, name, value):
        return queryset.filter(
            Q(opened_until__gte=value)
            | Q(opened_until__isnull=True, opened_on__gte=value)
            | Q(opened_until__isnull=True, opened_precision=Precision.AFTER)
        )

    def began_before(self, queryset, name, value):
        return queryset.filter(opened_on__lte=value)
