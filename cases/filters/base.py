"""What every list filter shares: stable sorting and forgiveness for odd query strings."""

from __future__ import annotations

from typing import ClassVar

import django_filters as df
from django.db.models import QuerySet
from django_filters import fields as df_fields
from django_filters.constants import EMPTY_VALUES

from monitoring.prepared import Prepared


class ListedChoiceIterator(df_fields.ModelChoiceIterator):
    """The choices read with one plain SELECT, compiled once when the filter's queryset is
    fixed (``ModelChoiceFilter``).

    Django reads a ModelChoiceField's choices through ``QuerySet.iterator()``, which on
    PostgreSQL opens a server-side cursor (DECLARE, FETCH, CLOSE) for a table of a few dozen
    courts or facilities, on every list page; and compiles the query each time.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        prepared = self.field.prepared
        if prepared is None:
            for obj in self.queryset.all():
                yield self.choice(obj)
        elif self.field.label_field:  # (pk, label) rows: no model instance to build
            yield from prepared()
        else:
            for obj in prepared():
                yield self.choice(obj)


class ListedModelChoiceField(df_fields.ModelChoiceField):
    iterator = ListedChoiceIterator

    def __init__(
        self, *args, prepared: Prepared | None = None, label_field: str = "", **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.prepared = prepared  # the declared queryset, compiled once
        self.label_field = label_field  # prepared reads (pk, this field) rows

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)  # sets the copy's queryset: see below
        result.prepared = self.prepared
        result.label_field = self.label_field
        return result

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        # A queryset set after the declaration (narrowed for a user, say) is read as given.
        self.prepared = None

    queryset = property(df_fields.ModelChoiceField._get_queryset, _set_queryset)


class ModelChoiceFilter(df.ModelChoiceFilter):
    """``django_filters.ModelChoiceFilter`` whose choices are read without a cursor; from SQL
    compiled once when its queryset is given as a queryset (not a callable of the request).

    With ``label_field``, the name of the field ``str()`` of a record shows, the choices are
    read as (pk, that field) pairs: no model instance is built for each choice.
    """

    field_class = ListedModelChoiceField

    def __init__(self, *args, label_field: str = "", **kwargs):
        queryset = kwargs.get("queryset")
        if isinstance(queryset, QuerySet):
            rows = queryset.values_list("pk", label_field) if label_field else queryset
            kwargs["prepared"] = Prepared(lambda: rows, arity=0)
            kwargs["label_field"] = label_field
        super().__init__(*args, **kwargs)


class SortFilter(df.OrderingFilter):
    """Sort by the chosen column, then by primary key so that pages never overlap.

    The primary key goes the way the last column goes, so one index on (column, id), read
    forwards or backwards, serves both directions (``cases.pagination`` pages by keyset).
    """

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        if not ordering:
            return qs
        return qs.order_by(*ordering, "-pk" if ordering[-1].startswith("-") else "pk")


class SortedFilterSet(df.FilterSet):
    """A FilterSet whose unknown sort key (``?o=bogus``, an old bookmark) sorts by default
    instead of emptying the list behind a hidden error.

    With ``static_form``, the form class (a field built for each filter, then a class made of
    them) is built once per process rather than on every request: only for a filter set whose
    fields are the same for every request (no queryset that is a callable of the request, no
    field changed after the filters are copied). Each form still deep-copies the fields.
    """

    static_form = False
    form_classes: ClassVar[dict[type, type]] = {}

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("o") and "o" in self.base_filters:
            valid = {value for value, _label in self.base_filters["o"].extra["choices"]}
            if any(part not in valid for part in data["o"].split(",") if part):
                data = data.copy()
                data.pop("o")
        super().__init__(data, *args, **kwargs)

    def get_form_class(self):
        if not self.static_form:
            return super().get_form_class()
        form_class = self.form_classes.get(type(self))
        if form_class is None:
            form_class = super().get_form_class()
            self.form_classes[type(self)] = form_class
        return form_class
