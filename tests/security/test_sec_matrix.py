"""Every URL of the project, as every role: the status of README "Roles", and refused writes
leave the database exactly as it was.

The table lives in sec_table.py; a URL pattern added without an entry there fails
``test_every_url_pattern_has_an_expectation`` with its name. Each entry is read (GET) and
posted (valid data, as the page's form would send it) by anonymous, the field monitor
assigned to the cases, a field monitor assigned to none, a supervisor, an exporter and an
admin; a restricted record must answer its outsiders exactly as a number that does not exist.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from django.urls import include, path, resolve
from django.urls.exceptions import Resolver404
from sec_http import MISSING_PK, form_of, made_valid, outcome, undone, url_of
from sec_table import ROLES, TABLE, Entry
from sec_urls import database_state, post_forms, project_url_names, state_changes
from sec_world import cookies_kept

from monitoring import urls as project_urls

pytestmark = pytest.mark.django_db


def mismatch_report(entry: Entry, method: str, got: dict, expected: dict) -> str:
    rows = [
        f"  {role:10s} expected {expected[role]!s:6s} got {got[role]}"
        for role in ROLES
        if got[role] != expected[role]
    ]
    return f"{method} {entry.id}:\n" + "\n".join(rows)


def missing_expectations() -> list[str]:
    """Return the names of the URL patterns the table says nothing about."""
    return sorted(project_url_names() - {entry.name for entry in TABLE})


def test_every_url_pattern_has_an_expectation():
    missing = missing_expectations()
    assert not missing, (
        "URL patterns without an expectation in tests/security/sec_table.py "
        f"(add each to TABLE with what every role gets): {', '.join(missing)}"
    )
    stale = sorted({entry.name for entry in TABLE} - project_url_names())
    assert not stale, f"sec_table.py names URLs that no longer exist: {', '.join(stale)}"


def test_a_new_url_pattern_is_noticed(settings):
    """A pattern added anywhere, even in a namespace of its own, shows up as missing."""
    urlconf = ModuleType("sec_new_urls")
    new_app = ([path("new/", lambda request: None, name="page")], "newapp")
    unnamed = path("y/", lambda request: None)
    urlconf.urlpatterns = [*project_urls.urlpatterns, path("x/", include(new_app)), unnamed]
    settings.ROOT_URLCONF = urlconf
    assert missing_expectations() == ["(unnamed) y/", "newapp:page"]


def test_every_entry_says_what_every_role_gets():
    for entry in TABLE:
        assert set(entry.get) == set(ROLES), entry.id
        assert set(entry.post) == set(ROLES), entry.id
    ids = [entry.id for entry in TABLE]
    assert len(ids) == len(set(ids)), "an entry is listed twice"


# Where a form may post: the URLs whose POST the table (and so the CSRF test) covers.
POSTED_TO = {entry.name for entry in TABLE if not entry.read_only} | {"set_language"}


def forms_posting_elsewhere(response, url: str) -> list[str]:
    """Return the actions of the page's POST forms that go to a URL the table does not post."""
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    found = []
    for form in post_forms(response.text, url):
        try:
            name = resolve(form.action).view_name
        except Resolver404:
            name = f"(no URL) {form.action}"
        if name not in POSTED_TO and not name.startswith("admin:"):
            found.append(name)
    return found


@pytest.mark.parametrize("entry", TABLE, ids=lambda entry: entry.id)
def test_get(entry, world, clients):
    """GET as every role; every POST form of the page goes to a URL the table posts to."""
    url = url_of(entry, world)
    got, elsewhere = {}, {}
    for role in ROLES:
        with undone(clients[role]):
            response = clients[role].get(url)
        got[role] = outcome(response)
        if untested := forms_posting_elsewhere(response, url):
            elsewhere[role] = untested
    assert got == entry.get, mismatch_report(entry, "GET", got, entry.get)
    assert not elsewhere, f"{entry.id} has forms posting to URLs not in the table: {elsewhere}"


@pytest.mark.parametrize("entry", TABLE, ids=lambda entry: entry.id)
def test_post(entry, world, clients):
    """Post valid data as every role: allowed roles save; for the others nothing changes."""
    url = url_of(entry, world)
    form = form_of(entry, world, clients["supervisor"])
    may_write = {role for role in ROLES if not entry.read_only and entry.post[role] in (200, 302)}

    def post(role):
        return outcome(clients[role].post(url, made_valid(entry, world, form, role)))

    got = {}
    for role in sorted(may_write):
        with undone(clients[role]):
            got[role] = post(role)
    # The refused posts all run before one look at the database (they must change nothing).
    before = database_state()
    refused = [role for role in ROLES if role not in may_write]
    with undone(clients["anonymous"]):
        for role in refused:
            with cookies_kept({role: clients[role]}):
                got[role] = post(role)
        changes = state_changes(before, database_state())
    got = {role: got[role] for role in ROLES}
    assert got == entry.post, mismatch_report(entry, "POST", got, entry.post)
    assert not changes, f"POST {entry.id}, refused to {refused}, changed the database: {changes}"


RESTRICTED = [entry for entry in TABLE if entry.variant == "restricted"]
OUTSIDERS = ("other", "exporter")  # may not see the restricted case


@pytest.mark.parametrize("entry", RESTRICTED, ids=lambda entry: entry.id)
def test_a_restricted_record_answers_as_a_missing_one(entry, world, clients):
    """For whoever may not see the restricted case, its records look like missing numbers."""
    real = url_of(entry, world)
    missing = url_of(
        entry,
        world,
        pk=MISSING_PK,
        case_pk=MISSING_PK,
        party_pk=MISSING_PK,
        detention_pk=MISSING_PK,
        hearing_pk=MISSING_PK,
    )
    assert real != missing
    for role in OUTSIDERS:
        client = clients[role]
        for method in ("get", "post"):
            with undone(client):
                seen = outcome(getattr(client, method)(real))
                unseen = outcome(getattr(client, method)(missing))
            assert seen == unseen, f"{method.upper()} {entry.id} as {role}: {seen} vs {unseen}"
            assert seen in (403, 404, 405), (entry.id, role, method, seen)
