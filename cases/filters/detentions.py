"""Filters and sorting for the detention list."""

from __future__ import annotations

import datetime as dt

import django_filters as df
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import access
from cases.forms import DateInput
from cases.models import Detention, DetentionFacility, Province

from .base import ModelChoiceFilter, SortedFilterSet, SortFilter

TODAY_WORDS = {"true", "yes", "1", "today", "on"}
NOT_TODAY_WORDS = {"false", "no", "0"}


class AnyYesNo(forms.NullBooleanSelect):
    """A yes/no filter whose empty choice reads "Any", not "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class DayOrTodayField(forms.CharField):
    """Read ``true`` as today, ``false`` as "not today", or a day as YYYY-MM-DD."""

    widget = forms.Select(
        choices=[
            ("", _("Any time")),
            ("true", _("In detention today")),
            ("false", _("Not in detention today")),
        ]
    )

    def clean(self, value):
        value = (super().clean(value) or "").strip().lower()
        if not value:
            return None
        if value in TODAY_WORDS:
            return (True, timezone.localdate())
        if value in NOT_TODAY_WORDS:
            return (False, timezone.localdate())
        try:
            return (True, dt.date.fromisoformat(value))
        except ValueError:
            raise ValidationError(
                _("Choose an option, or give a day as YYYY-MM-DD."), code="invalid"
            ) from None


class DayOrTodayFilter(df.Filter):
    field_class = DayOrTodayField

    def filter(self, qs, value):
        if value is None:
            return qs
        wanted, day = value
        if wanted:
            return qs.current(on=day)
        return qs.exclude(pk__in=Detention.objects.current(on=day).values("pk"))


def person_sort_key(user):
    """Sort people by the name this user sees, so a pseudonym sorts as itself."""
    if access.sees_protected_identities(user):
        return F("person__name")
    return models.Case(
        models.When(person__is_protected=True, then=F("person__pseudonym")),
        default=F("person__name"),
    )


class DetentionFilter(SortedFilterSet):
    q = df.CharFilter(label=_("Person's name"), method="search")
    kind = df.ChoiceFilter(label=_("Kind"), choices=Detention.Kind.choices)
    facility = ModelChoiceFilter(
        label=_("Facility"), queryset=DetentionFacility.objects.order_by("name"), label_field="name"
    )
    province = df.ChoiceFilter(
        label=_("Province of the facility"),
        choices=Province.choices,
        field_name="facility__province",
    )
    case = df.CharFilter(label=_("Case reference"), method="in_case")
    current = DayOrTodayFilter(label=_("In detention"))
    detained_on = df.DateFilter(label=_("In detention on"), method="on_day", widget=DateInput())
    started_after = df.DateFilter(
        label=_("Started on or after"), method="started_from", widget=DateInput()
    )
    started_before = df.DateFilter(
        label=_("Started on or before"), method="started_until", widget=DateInput()
    )
    ended = df.BooleanFilter(
        label=_("Ended"),
        field_name="ended_on",
        lookup_expr="isnull",
        exclude=True,
        widget=AnyYesNo,
    )
    ill_treatment_alleged = df.BooleanFilter(label=_("Ill-treatment alleged"), widget=AnyYesNo)
    o = SortFilter(
        fields=(
            ("started_on", "started"),
            ("ended_on", "ended"),
            ("kind", "kind"),
            ("person_sort", "person"),
        ),
        field_labels={
            "started_on": _("Started"),
            "ended_on": _("Ended"),
            "kind": _("Kind"),
            "person_sort": _("Person"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Detention
        fields = [
            "q",
            "kind",
            "facility",
            "province",
            "case",
            "current",
            "detained_on",
            "started_after",
            "started_before",
            "ended",
            "ill_treatment_alleged",
        ]

    def filter_queryset(self, queryset):
        queryset = queryset.annotate(person_sort=person_sort_key(self.request.user))
        return super().filter_queryset(queryset)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        names = (
            Q(person__name__icontains=value)
            | Q(person__aliases__icontains=value)
            | Q(person__name_khmer__icontains=value)
        )
        if access.sees_protected_identities(self.request.user):
            return queryset.filter(names)
        # Searching a real name must not find the row shown under a pseudonym.
        return queryset.filter(
            Q(names, person__is_protected=False)
            | Q(person__is_protected=True, person__pseudonym__icontains=value)
        )

    def in_case(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q(case__reference__icontains=value)
        if value.isdigit():
            match |= Q(case_id=int(value))
        return queryset.filter(match)

    def on_day(self, queryset, name, value):
        return queryset.current(on=value)

    def started_from(self, queryset, name, value):
        # Fuzzy starts: keep a row when its latest possible start is on or after the day.
        return queryset.filter(Q(started_until__gte=value) | Q(started_until__isnull=True))

    def started_until(self, queryset, name, value):
        # ...and when its earliest possible start is on or before the day.
        return queryset.filter(started_on__lte=value)
