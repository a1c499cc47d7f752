"""Querysets compiled to SQL once per process, then run with other values.

Django compiles a queryset to SQL on every evaluation: for a query joining four tables with a
subquery, that costs a millisecond or two of Python, where PostgreSQL (with the plan prepared,
``DB_PREPARE_THRESHOLD``) answers in a tenth of that. The pages read on every request (the
session's user) or by the hundred (a timeline's seven sources) are built once here::

    HEARINGS = Prepared(lambda case: Hearing.objects.filter(case_id=case).values_list(...))
    rows = HEARINGS(case.pk)  # a list: model instances, or tuples for values_list()

The function is called once per database with marker numbers in place of the values; the SQL
and its parameters are kept, and each call runs them with the markers replaced by its values,
through Django's own iterables (select_related, annotations, values_list and the database's
converters work as usual). The result is always a list, never a queryset: a filter added to
it could not change SQL already compiled.

A queryset whose SQL depends on anything but its parameters (a setting, the user's role) must
not be prepared; the time must be a parameter (``kinds``), never read inside ``build``.

Parameters are integers unless ``kinds`` says otherwise: ``"text"`` and ``"datetime"`` markers
stand for a string compared as it is (an exact lookup, not ``icontains``, which rewrites it)
and an aware datetime::

    SESSION = Prepared(
        lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now),
        kinds=("text", "datetime"),
    )
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# Unlikely values, within a 32-bit integer column's range (Django answers an out-of-range
# lookup with an empty result, compiling no SQL): a marker must never equal a parameter the
# queryset holds of its own.
MARKER_BASE = 2_118_123_457
MARKER_EPOCH = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


def marker(kind: str, index: int):
    """The stand-in for parameter ``index`` of a kind: never a value a query holds itself."""
    if kind == "int":
        return MARKER_BASE + index
    if kind == "text":
        return f"\x00prepared-marker-{index}\x00"
    if kind == "datetime":
        return MARKER_EPOCH + dt.timedelta(microseconds=index + 1)
    raise ValueError(f"Unknown parameter kind {kind!r}: int, text or datetime")


def adapt(kind: str, value, using: str):
    """A value as the database's parameters hold it: a datetime is a string on SQLite."""
    if kind == "datetime":
        return connections[using].ops.adapt_datetimefield_value(value)
    return value


class Prepared:
    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        arity: int = 1,
        kinds: tuple[str, ...] | None = None,
    ):
        self.build = build
        kinds = ("int",) * arity if kinds is None else kinds
        self.kinds = tuple(kinds)
        self.markers = tuple(marker(kind, index) for index, kind in enumerate(kinds))
        self.templates: dict[str, tuple] = {}  # by database alias
        self.lock = threading.Lock()

    def __deepcopy__(self, memo):
        # Shared, never copied: forms deep-copy their fields, and a field may hold one.
        return self

    def template(self, using: str) -> tuple:
        """Compile the queryset once for this database: its SQL, parameters, the compiler
        holding the column layout, and where each marker stands."""
        found = self.templates.get(using)
        if found is not None:
            return found
        with self.lock:
            queryset = self.build(*self.markers).using(using)
            if queryset._prefetch_related_lookups:
                raise ValueError("Prepared querysets cannot prefetch_related().")
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            positions = []
            for kind, stand_in in zip(self.kinds, self.markers, strict=True):
                stand_in = adapt(kind, stand_in, using)  # as the query holds it
                where = [index for index, value in enumerate(params) if value == stand_in]
                if not where:
                    raise ValueError(f"Marker {stand_in} is not among the parameters of: {sql}")
                positions.append(where)
            found = (queryset, sql, tuple(params), compiler, positions)
            self.templates[using] = found
        return found

    def __call__(self, *values, using: str = "default") -> list:
        if len(values) != len(self.markers):
            raise TypeError(f"{len(self.markers)} values expected, {len(values)} given")
        queryset, sql, params, template, positions = self.template(using)
        params = list(params)
        for kind, value, where in zip(self.kinds, values, positions, strict=True):
            value = adapt(kind, value, using)
            for index in where:
                params[index] = value
        compiler = copy.copy(template)
        compiler.connection = connections[using]  # this thread's connection
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        query = copy.copy(queryset.query)
        query.get_compiler = lambda *args, **kwargs: compiler
        # A shallow copy by hand: copy.copy() would pickle the queryset, which evaluates it.
        run = queryset.__class__.__new__(queryset.__class__)
        run.__dict__.update(queryset.__dict__)
        run._query = query  # not the property: its setter would make values_list() dicts
        run._result_cache = None
        run._prefetch_done = False
        return list(run)
