"""What differs by database: PostgreSQL's indexes and their migration, SQLite's candidate cap."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection

from cases.models import Case, Person
from search import search
from search.search import Query, search_people
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full text and pg_trgm"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")

migration = importlib.import_module("search.migrations.0001_search_indexes")
PERSON_INDEXES = {name for name, spec in migration.INDEXES.items() if spec[0] == "cases_person"}
CASE_INDEXES = {name for name, spec in migration.INDEXES.items() if spec[0] == "cases_case"}


def search_index_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search\\_%%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'search\\_%%'"
                " ESCAPE '\\'"
            )
        return {row[0] for row in cursor.fetchall()}


def plan(queryset) -> str:
    """Return the plan of ``queryset`` with sequential scans priced out: the index must fit."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@postgresql_only
@pytest.mark.parametrize("role", ["monitor", "supervisor"])
def test_the_people_query_uses_every_people_index(role):
    user = make_user(role)
    sees = role == "supervisor"
    queryset = search._postgres_people(Person.objects.visible_to(user), Query.parse("x y"), sees)
    used = plan(queryset)
    for name in PERSON_INDEXES:
        assert f"Bitmap Index Scan on {name}" in used, (name, used)


@postgresql_only
def test_the_case_query_uses_every_case_index(monitor):
    queryset = search._postgres_cases(Case.objects.visible_to(monitor), Query.parse("x y"))
    used = plan(queryset)
    for name in CASE_INDEXES:
        assert f"Bitmap Index Scan on {name}" in used, (name, used)


@postgresql_only
def test_the_migration_drops_its_indexes_and_makes_them_again():
    assert search_index_names() == PERSON_INDEXES | CASE_INDEXES
    with connection.schema_editor() as editor:
        migration.drop_indexes(global_apps, editor)
    assert search_index_names() == set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone(), "pg_trgm stays: other indexes may use it"
    with connection.schema_editor() as editor:
        migration.create_indexes(global_apps, editor)
    assert search_index_names() == PERSON_INDEXES | CASE_INDEXES


@sqlite_only
def test_the_migration_does_nothing_on_sqlite():
    # A stand-in editor: any statement it were asked to run would raise AttributeError.
    editor = SimpleNamespace(connection=connection)
    migration.create_indexes(global_apps, editor)
    migration.drop_indexes(global_apps, editor)
    assert search_index_names() == set()


@sqlite_only
def test_sqlite_reranks_a_bounded_set_holding_whole_words_first(monkeypatch, supervisor):
    monkeypatch.setattr(search, "CANDIDATES", 5)
    for n in range(8):
        make_person(name=f"Sokhon {n}")  # "sok" and "kha" stems only: not whole "sokha"
    kem = make_person(name="Kem Sokha")  # the newest, yet within the five re-ranked
    found = [hit.obj for hit in search_people(user=supervisor, query=Query.parse("Sokha"))[:50]]
    assert found[0] == kem
    assert len(found) <= 5
