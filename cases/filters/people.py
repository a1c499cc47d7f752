"""List filters (django-filter). Each FilterSet filters and sorts one list screen."""

from __future__ import annotations

import django_filters as df
from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from cases import access
from cases.models import Person, Role, Sex

from .base import ModelChoiceFilter, SortedFilterSet, SortFilter


def shown_name(user, path: str = ""):
    """Return the name ``user`` sees of the person at ``path`` ("" or "person__"), to sort by.

    For whoever may not see protected identities it is the pseudonym of a protected person, so
    a pseudonym sorts as itself and its place in the list says nothing of the real name.
    """
    if user is not None and access.sees_protected_identities(user):
        return F(f"{path}name")
    return Case(
        When(**{f"{path}is_protected": True}, then=F(f"{path}pseudonym")),
        default=F(f"{path}name"),
    )


class PersonFilter(SortedFilterSet):
    q = df.CharFilter(label=_("Name, alias or Khmer name"), method="search")
    sex = df.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    roles = ModelChoiceFilter(label=_("Role"), queryset=Role.objects.all())
    is_named = df.BooleanFilter(label=_("Named"))
    o = SortFilter(
        fields=(
            ("sort_name", "name"),
            ("sex", "sex"),
            ("birth_on", "born"),
            ("created_at", "added"),
        ),
        field_labels={
            "sort_name": _("Name"),
            "sex": _("Sex"),
            "birth_on": _("Born"),
            "created_at": _("Added"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Person
        fields = ["q", "sex", "roles", "is_named"]

    @property
    def viewer(self):
        return getattr(self.request, "user", None)

    def __init__(self, *args, **kwargs):
        """Sort by the name the viewer sees (``sort_name``): by default named people first,
        as the model does, and by ``?o=name``. (An unbound FilterSet, a list opened without
        a query string, filters nothing: so it is done here, not in ``filter_queryset``.)"""
        super().__init__(*args, **kwargs)
        self.queryset = self.queryset.annotate(sort_name=shown_name(self.viewer)).order_by(
            "-is_named", "sort_name", "pk"
        )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        text = (
            Q(name__icontains=value) | Q(aliases__icontains=value) | Q(name_khmer__icontains=value)
        )
        user = self.viewer
        if user is not None and not access.sees_protected_identities(user):
            # A protected person is found by their pseudonym only, never by their real name.
            text = (text & Q(is_protected=False)) | Q(is_protected=True, pseudonym__icontains=value)
        return queryset.filter(text)
