"""Filters for the follow-up list."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.base import DateInput
from cases.forms.followups import followup_owners
from cases.models import FollowUp, Organisation

from .base import ModelChoiceFilter
from .proceedings import ANY, SortedFilterSet, SortFilter, UserFilter


def recipients(request):
    """Return the organisations that received a follow-up the user may see."""
    received = FollowUp.objects.visible_to(request.user).values("addressed_to")
    return Organisation.objects.filter(pk__in=received)


class FollowUpFilter(SortedFilterSet):
    status = df.ChoiceFilter(label=_("Status"), choices=FollowUp.Status.choices, empty_label=ANY)
    kind = df.ChoiceFilter(label=_("Kind"), choices=FollowUp.Kind.choices, empty_label=ANY)
    addressed_to = ModelChoiceFilter(label=_("Addressed to"), queryset=recipients, empty_label=ANY)
    owner = UserFilter(
        label=_("Owner"),
        queryset=lambda request: followup_owners(),
        null_label=_("No owner"),
        empty_label=ANY,
    )
    mine = df.BooleanFilter(label=_("Only mine"), method="filter_mine", widget=forms.CheckboxInput)
    overdue = df.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    due_from = df.DateFilter(
        label=_("Due from"), field_name="due_on", lookup_expr="gte", widget=DateInput
    )
    due_to = df.DateFilter(
        label=_("Due until"), field_name="due_on", lookup_expr="lte", widget=DateInput
    )
    o = SortFilter(
        fields=(("due_on", "due"), ("done_on", "done"), ("status", "status")),
        field_labels={"due_on": _("Due"), "done_on": _("Done"), "status": _("Status")},
        label=_("Sort by"),
    )

    class Meta:
        model = FollowUp
        fields = ["status", "kind", "addressed_to", "owner"]

    def filter_mine(self, queryset, name, value):
        return queryset.owned_by(self.request.user) if value else queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset
