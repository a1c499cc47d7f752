"""Filters for the hearing and trial-outcome lists."""

from __future__ import annotations

import datetime as dt

import django_filters as df
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField

from cases.forms.base import DateInput
from cases.forms.proceedings import field_monitors, user_label
from cases.models import Case, Court, Hearing, Instance, TrialOutcome

from .base import ModelChoiceFilter, SortedFilterSet, SortFilter

ANY = _("Any")
YES_NO = (("yes", _("Yes")), ("no", _("No")))


class UserChoiceField(ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_label(obj)


class UserFilter(df.ModelChoiceFilter):
    field_class = UserChoiceField


def day_start(day: dt.date) -> dt.datetime:
    """Return the first instant of a day in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class HearingFilter(SortedFilterSet):
    q = df.CharFilter(label=_("Case reference or title"), method="search")
    court = ModelChoiceFilter(label=_("Court"), queryset=Court.objects.all(), empty_label=ANY)
    kind = df.ChoiceFilter(label=_("Kind"), choices=Hearing.Kind.choices, empty_label=ANY)
    status = df.ChoiceFilter(label=_("Status"), choices=Hearing.Status.choices, empty_label=ANY)
    monitor = UserFilter(
        label=_("Monitor attending"),
        queryset=lambda request: field_monitors(),
        empty_label=ANY,
        null_label=_("No monitor"),
    )
    scheduled_from = df.DateFilter(
        label=_("Scheduled from"), method="filter_from", widget=DateInput
    )
    scheduled_to = df.DateFilter(label=_("Scheduled until"), method="filter_to", widget=DateInput)
    mine = df.BooleanFilter(
        label=_("Only mine (I attend or follow the case)"),
        method="filter_mine",
        widget=forms.CheckboxInput,
    )
    upcoming = df.BooleanFilter(
        label=_("Upcoming only"), method="filter_upcoming", widget=forms.CheckboxInput
    )
    o = SortFilter(
        fields=(
            ("scheduled_at", "scheduled"),
            ("kind", "kind"),
            ("status", "status"),
            ("case__reference", "case"),
        ),
        field_labels={
            "scheduled_at": _("Scheduled"),
            "kind": _("Kind"),
            "status": _("Status"),
            "case__reference": _("Case"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Hearing
        fields = ["q", "court", "kind", "status", "monitor"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(case__reference__icontains=value) | Q(case__title__icontains=value)
        )

    def filter_from(self, queryset, name, value):
        return queryset.filter(scheduled_at__gte=day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(scheduled_at__lt=day_start(value + dt.timedelta(days=1)))

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        user = self.request.user
        followed = Case.objects.assigned_to(user).values("pk")
        return queryset.filter(Q(monitor=user) | Q(case__in=followed))

    def filter_upcoming(self, queryset, name, value):
        return queryset.upcoming() if value else queryset


class TrialOutcomeFilter(SortedFilterSet):
    verdict = df.ChoiceFilter(
        label=_("Verdict"), choices=TrialOutcome.Verdict.choices, empty_label=ANY
    )
    instance = df.ChoiceFilter(label=_("Instance"), choices=Instance.choices, empty_label=ANY)
    court = ModelChoiceFilter(label=_("Court"), queryset=Court.objects.all(), empty_label=ANY)
    verdict_from = df.DateFilter(label=_("Verdict from"), method="filter_from", widget=DateInput)
    verdict_to = df.DateFilter(label=_("Verdict until"), method="filter_to", widget=DateInput)
    appealed = df.ChoiceFilter(
        label=_("Appealed"), choices=YES_NO, empty_label=ANY, method="filter_appealed"
    )
    o = SortFilter(
        fields=(
            ("verdict_on", "verdict_date"),
            ("verdict", "verdict"),
            ("instance", "instance"),
            ("party__case__reference", "case"),
        ),
        field_labels={
            "verdict_on": _("Verdict date"),
            "verdict": _("Verdict"),
            "instance": _("Instance"),
            "party__case__reference": _("Case"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = TrialOutcome
        fields = ["verdict", "instance", "court"]

    # A fuzzy verdict date matches when it may fall in the range: "May 2023" matches from
    # 15 May, since the verdict may have been given on any day of that month.
    def filter_from(self, queryset, name, value):
        return queryset.filter(
            Q(verdict_until__gte=value) | Q(verdict_on__isnull=False, verdict_until__isnull=True)
        )

    def filter_to(self, queryset, name, value):
        return queryset.filter(verdict_on__lte=value)

    def filter_appealed(self, queryset, name, value):
        return queryset.filter(appeal_filed_on__isnull=value != "yes")
