"""Keyset pagination for the record lists: page 300 costs what page 1 costs.

A list page is read with ``ORDER BY <sort keys>, pk LIMIT n + 1`` from the row the page starts
after (or, going back, before), never with a large ``OFFSET``. The ``page`` parameter carries the
page number and, after a ``~``, an opaque signed cursor: the sort values of that row::

    ?status=open&o=-updated&page=300~eyJ2IjpbIjIwMjYtMDEtMDEiLDQyXX0.SIGNATURE

- ``?page=N`` alone (an old link, a bookmark) still works: it is read with ``OFFSET``, and a
  number past the end shows the last page.
- A cursor that is tampered with, made for another sort or unreadable is ignored: the page
  number, if any, is read with ``OFFSET``; otherwise the first page is shown. Never an error.
- The total is counted only up to ``COUNT_CAP`` rows ("more than 1000"), never over the whole
  table; the first page counts nothing when everything fits on it.
- Rows are ordered by the list's sort keys, then by primary key unless a unique column already
  decides (exports and indexes follow the same order). ``NULL`` sorts where the database puts
  it (after every value on PostgreSQL, before on SQLite), and the keyset comparisons agree.

An ordering the keyset cannot follow (a random order, an arbitrary expression) falls back to
``OFFSET`` pages, which stay correct.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from functools import cached_property

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import F, OrderBy, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

COUNT_CAP = 1000
SEPARATOR = "~"
SALT = "cases.pagination"
_signer = signing.Signer(salt=SALT, sep=".")


@dataclass(frozen=True)
class SortKey:
    name: str  # a lookup path or an annotation: "opened_on", "case__reference", "person_sort"
    descending: bool
    nullable: bool
    attname: str | None  # read from the row as this attribute; None: from an annotation

    def order(self, *, reverse: bool = False):
        # No NULLS FIRST/LAST: the database's own rule, the one exports and indexes follow.
        descending = self.descending != reverse
        return F(self.name).desc() if descending else F(self.name).asc()


class Keyset:
    """The sort keys of a queryset, and the filters that start a page after or before a row."""

    def __init__(self, keys: list[SortKey], *, nulls_largest: bool = True):
        self.keys = keys
        # Where the database puts NULL: after every value (PostgreSQL) or before (SQLite).
        self.nulls_largest = nulls_largest
        self.signature = zlib.crc32(
            ",".join(("-" if k.descending else "") + k.name for k in keys).encode()
        )

    @classmethod
    def of(cls, queryset: QuerySet) -> Keyset | None:
        """Return the keyset of the queryset's ordering, or None when it cannot be followed."""
        query = queryset.query
        ordering = list(query.order_by) or (
            list(queryset.model._meta.ordering) if query.default_ordering else []
        )
        keys: list[SortKey] = []
        unique = False
        for item in ordering:
            parsed = _parse(item)
            if parsed is None:
                return None
            name, descending = parsed
            if name == "pk" or name == queryset.model._meta.pk.name:
                keys.append(SortKey("pk", descending, False, "pk"))
                unique = True
                break
            if any(key.name == name for key in keys):
                continue
            local = _local_field(queryset.model, name)
            if local is not None:
                keys.append(SortKey(name, descending, local.null, local.attname))
                if local.unique and not local.null:
                    unique = True
                    break
            elif name in query.annotations or _path_exists(queryset.model, name):
                keys.append(SortKey(name, descending, _nullable(queryset.model, name), None))
            else:
                return None
        if not unique:  # the primary key decides ties, going the way the last key goes
            keys.append(SortKey("pk", bool(keys) and keys[-1].descending, False, "pk"))
        features = connections[queryset.db].features
        return cls(keys, nulls_largest=features.nulls_order_largest)

    def annotation(self, index: int) -> str:
        return f"keyset_{index}"

    def prepare(self, queryset: QuerySet) -> QuerySet:
        """Order the queryset by the keys and annotate the keys read through relations."""
        extra = {
            self.annotation(i): F(key.name) for i, key in enumerate(self.keys) if not key.attname
        }
        if extra:
            queryset = queryset.annotate(**extra)
        return queryset.order_by(*(key.order() for key in self.keys))

    def reversed(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by(*(key.order(reverse=True) for key in self.keys))

    def values_of(self, row) -> list:
        return [
            getattr(row, key.attname) if key.attname else getattr(row, self.annotation(i))
            for i, key in enumerate(self.keys)
        ]

    def after(self, values: list, *, reverse: bool = False) -> Q:
        """Return the condition for the rows after ``values`` (before, when ``reverse``).

        The first key also gets a plain bound (``key >= value``) so that an index on it is
        entered at the right place instead of scanned from its start.
        """
        condition = None
        for key, value in reversed(list(zip(self.keys, values, strict=True))):
            descending = key.descending != reverse
            strictly = _strictly_after(key, value, descending, self.nulls_largest)
            if condition is None:
                condition = strictly
            else:
                equal = (
                    Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})
                )
                tie = equal & condition
                condition = tie if strictly is None else strictly | tie
        first, value = self.keys[0], values[0]
        bound = _bound(first, value, first.descending != reverse, self.nulls_largest)
        if condition is None:  # nothing comes after (cannot happen with a primary key last)
            condition = Q(pk__in=[])
        return condition if bound is None else bound & condition

    # Cursors ------------------------------------------------------------------------------

    def cursor(self, number: int, row, *, before: bool = False) -> str:
        values = [_plain(value) for value in self.values_of(row)]
        token = _signer.sign_object(
            {"s": self.signature, "v": values, "b": int(before)}, compress=False
        )
        return f"{number}{SEPARATOR}{token}"

    def read_cursor(self, queryset: QuerySet, token: str) -> tuple[list, bool] | None:
        """Return (values, before) from a cursor made for this keyset, or None."""
        try:
            data = _signer.unsign_object(token)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        if not isinstance(data, dict) or data.get("s") != self.signature:
            return None
        values = data.get("v")
        if not isinstance(values, list) or len(values) != len(self.keys):
            return None
        try:
            converted = [
                None if value is None else self._field(queryset, i).to_python(value)
                for i, value in enumerate(values)
            ]
        except (ValidationError, ValueError, TypeError, AttributeError):
            return None
        return converted, bool(data.get("b"))

    def _field(self, queryset: QuerySet, index: int):
        """The field that reads key ``index`` back (``queryset`` went through ``prepare``)."""
        key = self.keys[index]
        if key.name == "pk":
            return queryset.model._meta.pk
        if key.attname:
            return queryset.model._meta.get_field(key.name)
        return queryset.query.annotations[self.annotation(index)].output_field


def _parse(item) -> tuple[str, bool] | None:
    if isinstance(item, str):
        if item == "?" or "." in item:
            return None
        return (item[1:], True) if item.startswith("-") else (item, False)
    if isinstance(item, F):
        return item.name, False
    if isinstance(item, OrderBy) and isinstance(item.expression, F):
        return item.expression.name, item.descending
    return None


def _local_field(model, name: str):
    if "__" in name:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete and not field.is_relation else None


def _path_exists(model, name: str) -> bool:
    return _walk(model, name) is not None


def _nullable(model, name: str) -> bool:
    fields = _walk(model, name)
    if fields is None:
        return True  # an annotation: assume it may be NULL
    return any(
        getattr(field, "null", True) or field.many_to_many or field.one_to_many for field in fields
    )


def _walk(model, name: str):
    fields = []
    for part in name.split("__"):
        if model is None:
            return None
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        fields.append(field)
        model = field.related_model if field.is_relation else None
    return fields if fields and not fields[-1].is_relation else None


def _strictly_after(key: SortKey, value, descending: bool, nulls_largest: bool) -> Q | None:
    """The rows strictly after ``value`` on this key alone; None when there are none."""
    name = key.name
    nulls_first = nulls_largest == descending
    if value is None:  # after a NULL: every value when NULLs come first, else nothing
        return Q(**{f"{name}__isnull": False}) if nulls_first else None
    beyond = Q(**{f"{name}__lt" if descending else f"{name}__gt": value})
    if key.nullable and not nulls_first:
        beyond |= Q(**{f"{name}__isnull": True})
    return beyond


def _bound(key: SortKey, value, descending: bool, nulls_largest: bool) -> Q | None:
    """A plain range on the first key (``>=`` or ``<=``) an index can start from."""
    name = key.name
    nulls_first = nulls_largest == descending
    if value is None:
        return None if nulls_first else Q(**{f"{name}__isnull": True})
    bound = Q(**{f"{name}__lte" if descending else f"{name}__gte": value})
    if key.nullable and not nulls_first:
        bound |= Q(**{f"{name}__isnull": True})
    return bound


def _plain(value):
    """A JSON-safe form of a sort value; the field's ``to_python`` reads it back."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# Pages ------------------------------------------------------------------------------------


class ListPaginator:
    """The total of a list, exact up to ``COUNT_CAP``; stands where Django's Paginator stood."""

    def __init__(self, *, per_page: int, count: int | None):
        self.per_page = per_page
        self.count = count  # None: more than COUNT_CAP
        self.cap = COUNT_CAP

    @property
    def num_pages(self) -> int | None:
        if self.count is None:
            return None
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def total_label(self) -> str:
        if self.count is None:
            return _("more than %(count)s") % {"count": self.cap}
        return str(self.count)


class ListPage:
    """One page of a list, with the links to the first, previous, next and last pages."""

    is_keyset = True

    def __init__(self, *, rows, number, paginator, has_next, has_previous, links):
        self.object_list = rows
        self.number = number
        self.paginator = paginator
        self._has_next = has_next
        self._has_previous = has_previous
        self._links = links  # (keyset or None, query dict, parameter name)

    def __len__(self):
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    def has_other_pages(self) -> bool:
        return self._has_next or self._has_previous

    @property
    def label(self) -> str:
        total = self.paginator.num_pages
        if total is None:
            return _("Page %(n)s") % {"n": self.number}
        return _("Page %(n)s of %(total)s") % {"n": self.number, "total": total}

    def _query(self, page: str | None) -> str:
        _keyset, query, param = self._links
        query = query.copy()
        if page is None:
            query.pop(param, None)
        else:
            query[param] = page
        encoded = query.urlencode(safe="~")
        return f"?{encoded}" if encoded else "?"

    @cached_property
    def first_query(self) -> str:
        return self._query(None)

    @cached_property
    def previous_query(self) -> str:
        number = self.number - 1
        if number <= 1:
            return self.first_query
        keyset = self._links[0]
        if keyset is None or not self.object_list:
            return self._query(str(number))
        return self._query(keyset.cursor(number, self.object_list[0], before=True))

    @cached_property
    def next_query(self) -> str:
        keyset = self._links[0]
        if keyset is None or not self.object_list:
            return self._query(str(self.number + 1))
        return self._query(keyset.cursor(self.number + 1, self.object_list[-1]))

    @cached_property
    def last_query(self) -> str:
        """The last page, when the total is known (then it is at most ``COUNT_CAP`` rows in,
        so reading it by offset is cheap); empty otherwise."""
        total = self.paginator.num_pages
        if total is None or total <= self.number:
            return ""
        return self._query(str(total))


def paginate(queryset: QuerySet, query: QueryDict, per_page: int, param: str = "page") -> ListPage:
    """Return the page of ``queryset`` that ``query[param]`` asks for."""
    keyset = Keyset.of(queryset)
    if keyset is not None:
        queryset = keyset.prepare(queryset)
    raw = (query.get(param) or "").strip()
    number_text, _sep, token = raw.partition(SEPARATOR)
    try:
        number = max(1, int(number_text))
    except ValueError:
        number = 1
    links = (keyset, query, param)
    cursor = keyset.read_cursor(queryset, token) if keyset is not None and token else None

    if cursor is not None and number > 1:
        values, before = cursor
        if before:
            rows = list(
                keyset.reversed(queryset.filter(keyset.after(values, reverse=True)))[: per_page + 1]
            )
            rows.reverse()
            has_previous = len(rows) > per_page
            rows = rows[1:] if has_previous else rows
            if not has_previous:
                number = 1
            return _page(
                queryset,
                rows,
                number,
                per_page,
                has_next=True,
                has_previous=has_previous,
                links=links,
            )
        rows = list(queryset.filter(keyset.after(values))[: per_page + 1])
        has_next = len(rows) > per_page
        return _page(
            queryset,
            rows[:per_page],
            number,
            per_page,
            has_next=has_next,
            has_previous=True,
            links=links,
        )

    # By offset: the first page, an old ``?page=N`` link, or a cursor that could not be read.
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    if not rows and number > 1:
        # Past the end: show the last page. The offset already read every row, so counting
        # them costs no more.
        count = queryset.order_by().count()
        number = max(1, math.ceil(count / per_page))
        offset = (number - 1) * per_page
        rows = list(queryset[offset : offset + per_page])
        paginator = ListPaginator(per_page=per_page, count=count)
        return ListPage(
            rows=rows,
            number=number,
            paginator=paginator,
            has_next=False,
            has_previous=number > 1,
            links=links,
        )
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    return _page(
        queryset, rows, number, per_page, has_next=has_next, has_previous=number > 1, links=links
    )


def _page(queryset, rows, number, per_page, *, has_next, has_previous, links) -> ListPage:
    # Everything on the first page: counted from the page itself, without a query.
    count = len(rows) if number == 1 and not has_next else capped_count(queryset)
    return ListPage(
        rows=rows,
        number=number,
        paginator=ListPaginator(per_page=per_page, count=count),
        has_next=has_next,
        has_previous=has_previous,
        links=links,
    )


def capped_count(queryset: QuerySet, cap: int | None = None) -> int | None:
    """Count the rows up to ``cap`` (``COUNT_CAP``); None when there are more."""
    cap = COUNT_CAP if cap is None else cap
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    return None if counted > cap else counted


# For benchmarks and tests: the address of page N without walking the "Next" links ----------


def list_page_url(url_name: str, user, params: dict, number: int) -> str:
    """Return the address of page ``number`` of a record list as ``user`` sees it, with the
    cursor the "Next" link of page ``number - 1`` would carry (one OFFSET query to find it)."""
    from django.conf import settings
    from django.test import RequestFactory
    from django.urls import resolve, reverse

    path = reverse(url_name)
    view_class = resolve(path).func.view_class
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = value
    request = RequestFactory().get(path, query)
    request.user = user
    view = view_class()
    view.setup(request)
    filterset = view.get_filterset(view.get_filterset_class())
    queryset = filterset.qs
    keyset = Keyset.of(queryset)
    if number <= 1 or keyset is None:
        if number > 1:
            query["page"] = str(number)
        return f"{path}?{query.urlencode(safe='~')}"
    per_page = view.get_paginate_by(queryset) or settings.PAGINATE_BY
    row = keyset.prepare(queryset)[(number - 1) * per_page - 1]
    query["page"] = keyset.cursor(number, row)
    return f"{path}?{query.urlencode(safe='~')}"
