"""List filters (django-filter). Each FilterSet filters and sorts one list screen."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Person, Role, Sex


class PersonFilter(df.FilterSet):
    q = df.CharFilter(label=_("Name, alias or Khmer name"), method="search")
    sex = df.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    roles = df.ModelChoiceFilter(label=_("Role"), queryset=Role.objects.all())
    is_named = df.BooleanFilter(label=_("Named"))
    o = df.OrderingFilter(
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
        return queryset.filter(
            Q(name__icontains=value) | Q(aliases__icontains=value) | Q(name_khmer__icontains=value)
        )
