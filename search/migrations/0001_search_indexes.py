"""GIN indexes for search on PostgreSQL: full text and pg_trgm over people and cases.

Each expression is the SQL that ``search/search.py`` makes (``person_vector()``,
``Joined(...)``...), written out so that this migration stays as it ran; a test checks with
EXPLAIN that the queries use every index. On SQLite it does nothing. Reversing drops the
indexes and keeps the pg_trgm extension, which other indexes may use.
"""

from django.db import migrations

PERSON_TEXT = (
    "COALESCE(name, '') || ' ' || COALESCE(aliases, '') || ' ' || COALESCE(name_khmer, '')"
)
CASE_TEXT = (
    "COALESCE(title, '') || ' ' || COALESCE(reference, '') || ' '"
    " || COALESCE(court_case_number, '')"
)
INDEXES = {
    # name: (table, method and expression, predicate)
    "search_person_fts": (
        "cases_person",
        f"gin ((to_tsvector('simple'::regconfig, {PERSON_TEXT})))",
        "",
    ),
    "search_person_trgm": ("cases_person", f"gin (({PERSON_TEXT}) gin_trgm_ops)", ""),
    # Pseudonyms are found only on protected people: the index holds only theirs.
    "search_person_pseudonym_trgm": (
        "cases_person",
        "gin (pseudonym gin_trgm_ops)",
        "is_protected",
    ),
    "search_case_fts": (
        "cases_case",
        f"gin ((setweight(to_tsvector('simple'::regconfig, {CASE_TEXT}), 'A')"
        " || setweight(to_tsvector('simple'::regconfig, COALESCE(summary, '')), 'B')))",
        "",
    ),
    "search_case_trgm": ("cases_case", f"gin (({CASE_TEXT}) gin_trgm_ops)", ""),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Trusted since PostgreSQL 13: the database owner may create it without superuser.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, expression, predicate) in INDEXES.items():
        where = f" WHERE {predicate}" if predicate else ""
        schema_editor.execute(f"CREATE INDEX {name} ON {table} USING {expression}{where}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_reminder_planning_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
