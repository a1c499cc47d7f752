"""Filters and sorting for the reference lists: groups, organisations, courts, facilities."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Court, DetentionFacility, Organisation, PersonGroup, Province

from .base import SortedFilterSet, SortFilter


def _search(*fields: str):
    """Return a filter method matching the text in any of ``fields``."""

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": value})
        return queryset.filter(match)

    return search


class PersonGroupFilter(SortedFilterSet):
    q = df.CharFilter(label=_("Label or description"), method="search")
    o = SortFilter(
        fields=(("label", "label"), ("member_count", "members")),
        field_labels={"label": _("Label"), "member_count": _("Members")},
        label=_("Sort by"),
    )

    class Meta:
        model = PersonGroup
        fields = ["q"]

    search = _search("label", "description")


class OrganisationFilter(SortedFilterSet):
    q = df.CharFilter(label=_("Name, acronym or Khmer name"), method="search")
    kind = df.ChoiceFilter(label=_("Kind"), choices=Organisation.Kind.choices)
    o = SortFilter(
        fields=(("name", "name"), ("acronym", "acronym"), ("kind", "kind")),
        field_labels={"name": _("Name"), "acronym": _("Acronym"), "kind": _("Kind")},
        label=_("Sort by"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind"]

    search = _search("name", "acronym", "name_khmer")


class CourtFilter(SortedFilterSet):
    q = df.CharFilter(label=_("Name"), method="search")
    level = df.ChoiceFilter(label=_("Level"), choices=Court.Level.choices)
    province = df.ChoiceFilter(label=_("Province"), choices=Province.choices)
    o = SortFilter(
        fields=(
            ("name", "name"),
            ("level", "level"),
            ("province", "province"),
            ("case_count", "cases"),
        ),
        field_labels={
            "name": _("Name"),
            "level": _("Level"),
            "province": _("Province"),
            "case_count": _("Cases"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Court
        fields = ["q", "level", "province"]

    search = _search("name")


class DetentionFacilityFilter(SortedFilterSet):
    q = df.CharFilter(label=_("Name"), method="search")
    kind = df.ChoiceFilter(label=_("Kind"), choices=DetentionFacility.Kind.choices)
    province = df.ChoiceFilter(label=_("Province"), choices=Province.choices)
    o = SortFilter(
        fields=(
            ("name", "name"),
            ("kind", "kind"),
            ("province", "province"),
            ("capacity", "capacity"),
            ("detained_count", "detained"),
        ),
        field_labels={
            "name": _("Name"),
            "kind": _("Kind"),
            "province": _("Province"),
            "capacity": _("Capacity"),
            "detained_count": _("Detained now"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = DetentionFacility
        fields = ["q", "kind", "province"]

    search = _search("name")
