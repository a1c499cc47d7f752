"""List filters (django-filter). Each FilterSet filters and sorts one list screen."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import access
from cases.models import Person, Role, Sex

from .base import SortedFilterSet, SortFilter


class PersonFilter(SortedFilterSet):
    q = df.CharFilter(label=_("Name, alias or Khmer name"), method="search")
    sex = df.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    roles = df.ModelChoiceFilter(label=_("Role"), queryset=Role.objects.all())
    is_named = df.BooleanFilter(label=_("Named"))
    o = SortFilter(
        fields=(("name", "name"), ("sex", "sex"), ("birth_on", "born"), ("created_at", "added")),
        field_labels={
            "name": _("Name"),
            "sex": _("Sex"),
            "birth_on": _("Born"),
            "created_at": _("Added"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Person
        fields = ["q", "sex", "roles", "is_named"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        text = (
            Q(name__icontains=value) | Q(aliases__icontains=value) | Q(name_khmer__icontains=value)
        )
        user = getattr(self.request, "user", None)
        if user is not None and not access.sees_protected_identities(user):
            # A protected person is found by their pseudonym only, never by their real name.
            text = (text & Q(is_protected=False)) | Q(is_protected=True, pseudonym__icontains=value)
        return queryset.filter(text)
