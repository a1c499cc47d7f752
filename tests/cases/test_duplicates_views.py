"""Duplicate people on the screens: the warning on create ("create anyway"), the supervisors'
report and its dismissals, the permission ladder, protected identities, query counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from cases import duplicate_finder
from cases.models import DuplicateDismissal, Person
from tests.factories import make_case, make_party, make_person, make_user

pytestmark = pytest.mark.django_db

CREATE = reverse("cases:person-create")
REPORT = reverse("cases:person-duplicates")


def person(name: str, **fields) -> dict:
    """Return the create form's data for a named person."""
    return {"name": name, "sex": "unknown", "birth_precision": "day", "is_named": "on", **fields}


def dismiss_url(a, b) -> str:
    return reverse("cases:person-duplicate-dismiss", args=[a.pk, b.pk])


def user_with(*codenames: str, username: str | None = None):
    """Return a user holding exactly these ``cases`` permissions."""
    user = make_user(None, username=username)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)
    )
    return user


# On create -----------------------------------------------------------------------------------


def test_creating_a_likely_duplicate_shows_the_existing_people_and_keeps_the_input(
    client_for, monitor
):
    existing = make_person(name="Kem Sokha")
    make_person(name="Kem Ley")
    client = client_for(monitor)
    response = client.post(CREATE, person("Kem Sokhar", sex="man", nationality="Khmer"))
    assert response.status_code == 200
    assert not Person.objects.filter(name="Kem Sokhar").exists()
    html = response.content.decode()
    assert "This person may already be recorded" in html
    assert reverse("cases:person-detail", args=[existing.pk]) in html
    assert "Kem Ley" not in html
    assert 'value="Kem Sokhar"' in html and 'value="Khmer"' in html
    assert 'name="create_anyway"' in html
    hits = response.context["duplicates"]
    assert [hit.pk for hit in hits] == [existing.pk] and hits[0].match.is_likely


def test_create_anyway_creates_the_person(client_for, monitor):
    make_person(name="Kem Sokha")
    response = client_for(monitor).post(CREATE, person("Sokha Kem", create_anyway="1"))
    assert response.status_code == 302
    assert Person.objects.filter(name="Sokha Kem").exists()


def test_a_new_name_like_nobody_is_created_at_once(client_for, monitor):
    make_person(name="Kem Sokha")
    response = client_for(monitor).post(CREATE, person("Kem Ley"))
    assert response.status_code == 302
    assert Person.objects.filter(name="Kem Ley").exists()


def test_the_warning_shows_only_people_the_user_may_see(client_for, monitor, supervisor):
    hidden = make_person(name="Kem Sokha")
    make_party(case=make_case(restricted=True), person=hidden)
    response = client_for(monitor).post(CREATE, person("Kem Sokhar"))
    assert response.status_code == 302  # nothing the monitor may see is like it
    response = client_for(supervisor).post(CREATE, person("Kem Sokhaa"))
    assert response.status_code == 200
    assert {hit.pk for hit in response.context["duplicates"]} >= {hidden.pk}


def test_a_protected_name_is_never_matched_for_whoever_may_not_see_it(
    client_for, monitor, supervisor
):
    protected = make_person(name="Chhim Sithar", is_protected=True, pseudonym="Witness A")
    response = client_for(monitor).post(CREATE, person("Chim Sitha"))
    assert response.status_code == 302  # the real name is not compared
    # The pseudonym is what the monitor sees: it is compared, and shown.
    response = client_for(monitor).post(CREATE, person("Witness A"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Witness A" in html and "Sithar" not in html
    # A cleared supervisor is warned by the real name.
    response = client_for(supervisor).post(CREATE, person("Sithar Chhim"))
    assert response.status_code == 200
    labels = {hit.pk: hit.label for hit in response.context["duplicates"]}
    assert labels[protected.pk] == "Chhim Sithar"


def test_invalid_input_is_explained_before_any_duplicate_check(client_for, monitor):
    make_person(name="Kem Sokha")
    response = client_for(monitor).post(CREATE, person("Kem Sokha", sex="nonsense"))
    assert response.status_code == 200
    assert response.context["form"].errors["sex"]
    assert "duplicates" not in response.context


# The report ----------------------------------------------------------------------------------


def test_the_report_pairs_the_spellings_of_one_name_and_says_why(client_for, supervisor):
    a = make_person(name="Kem Sokha")
    b = make_person(name="Sokha Kem")
    c = make_person(name="Kem Sokhar")
    make_person(name="Kem Ley")
    response = client_for(supervisor).get(REPORT)
    assert response.status_code == 200
    pairs = {(row.first.pk, row.second.pk) for row in response.context["rows"]}
    assert pairs == {(a.pk, b.pk), (a.pk, c.pk), (b.pk, c.pk)}
    html = response.content.decode()
    assert "same words in another order" in html and "spelling variant" in html
    assert "Kem Ley" not in html
    assert reverse("cases:person-merge", args=[a.pk, b.pk]) in html
    assert dismiss_url(a, b) in html


def test_the_report_says_when_there_is_nothing_to_check(client_for, supervisor):
    make_person(name="Kem Sokha")
    make_person(name="Kem Ley")
    response = client_for(supervisor).get(REPORT)
    assert response.context["rows"] == []
    assert "No duplicate people found" in response.content.decode()


def test_the_report_is_paginated(client_for, supervisor, settings):
    settings.PAGINATE_BY = 2
    for name in ("Kem Sokha", "Sokha Kem", "Kem Sokhar"):
        make_person(name=name)
    client = client_for(supervisor)
    first, second = client.get(REPORT), client.get(REPORT, {"page": 2})
    assert len(first.context["rows"]) == 2 and len(second.context["rows"]) == 1
    assert first.context["paginator"].count == 3


def test_the_likely_filter_leaves_out_the_possible_pairs(client_for, supervisor):
    make_person(name="Kouv Piseth")
    make_person(name="Kouv Pisith")  # possible (85), not likely
    client = client_for(supervisor)
    assert len(client.get(REPORT).context["rows"]) == 1
    filtered = client.get(REPORT, {"level": "likely"})
    assert filtered.context["rows"] == [] and "No likely duplicate" in filtered.content.decode()


def test_a_dismissed_pair_is_stored_audited_and_not_proposed_again(client_for, supervisor):
    a, b = make_person(name="Kem Sokha"), make_person(name="Sokha Kem")
    client = client_for(supervisor)
    response = client.post(dismiss_url(b, a), {"page": "1"})
    assert response.status_code == 302 and response["Location"] == f"{REPORT}?page=1"
    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.person_low, dismissal.person_high) == (a, b)
    assert dismissal.dismissed_by == supervisor
    event = AuditEvent.objects.filter(model="cases.duplicatedismissal").get()
    assert event.action == "create" and event.actor == supervisor
    assert client.get(REPORT).context["rows"] == []
    assert client.post(dismiss_url(a, b)).status_code == 302  # twice: still one
    assert DuplicateDismissal.objects.count() == 1


def test_a_dismissal_is_post_only(client_for, supervisor):
    a, b = make_person(name="Kem Sokha"), make_person(name="Sokha Kem")
    assert client_for(supervisor).get(dismiss_url(a, b)).status_code == 405
    assert client_for(supervisor).post(REPORT).status_code == 405


def test_the_report_ladder(client, client_for, monitor, exporter, supervisor, admin_user):
    a, b = make_person(name="Kem Sokha"), make_person(name="Sokha Kem")
    assert client.get(REPORT)["Location"].startswith("/accounts/login/")
    for user in (monitor, exporter):
        assert client_for(user).get(REPORT).status_code == 403
        assert client_for(user).post(dismiss_url(a, b)).status_code == 403
    assert client_for(supervisor).get(REPORT).status_code == 200
    assert client_for(admin_user).get(REPORT).status_code == 200
    assert not DuplicateDismissal.objects.exists()


def test_people_the_user_may_not_see_are_not_reported_nor_dismissable(client_for):
    outsider = user_with("manage_all_cases", "view_person", username="outsider")
    hidden = make_person(name="Kem Sokha")
    make_party(case=make_case(restricted=True), person=hidden)
    seen = make_person(name="Sokha Kem")
    client = client_for(outsider)
    assert client.get(REPORT).context["rows"] == []
    assert client.post(dismiss_url(hidden, seen)).status_code == 404
    assert client.post(dismiss_url(seen, seen)).status_code == 404


def test_the_report_compares_a_protected_person_on_the_pseudonym_for_the_uncleared(client_for):
    uncleared = user_with("manage_all_cases", "view_restricted_case", "view_person")
    cleared = make_user("supervisor")
    make_person(name="Chhim Sithar", is_protected=True, pseudonym="Witness A")
    make_person(name="Chim Sitha")
    make_person(name="Witness Ah")
    hidden_view = client_for(uncleared).get(REPORT)
    html = hidden_view.content.decode()
    assert "Chhim Sithar" not in html
    labels = {(row.first.label, row.second.label) for row in hidden_view.context["rows"]}
    assert labels == {("Witness A", "Witness Ah")}
    full_view = client_for(cleared).get(REPORT)
    labels = {(row.first.label, row.second.label) for row in full_view.context["rows"]}
    assert ("Chhim Sithar", "Chim Sitha") in labels


def report_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REPORT)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_report_costs_the_same_queries_for_one_pair_or_many(client_for, supervisor):
    client = client_for(supervisor)
    first = make_person(name="Kem Sokha")
    make_party(person=first)
    make_person(name="Sokha Kem")
    report_queries(client)  # warm the caches (content types, session)
    one = report_queries(client)
    for name in ("Chhim Sithar", "Chim Sitha", "Seam Pluk", "Siem Pluk", "Kem Sokhar"):
        make_party(person=make_person(name=name))
    many = client.get(REPORT)
    assert len(many.context["rows"]) > 4
    assert report_queries(client) == one


def test_a_kept_index_is_used_until_a_person_changes(client_for, supervisor, monkeypatch):
    monkeypatch.setattr(duplicate_finder, "MEMO_FROM", 0)
    duplicate_finder.forget()
    make_person(name="Kem Sokha")
    make_person(name="Sokha Kem")
    client = client_for(supervisor)
    assert len(client.get(REPORT).context["rows"]) == 1
    builds = []
    real = duplicate_finder._build
    monkeypatch.setattr(
        duplicate_finder, "_build", lambda *a, **kw: builds.append(1) or real(*a, **kw)
    )
    assert len(client.get(REPORT).context["rows"]) == 1
    assert builds == []  # kept
    make_person(name="Kem Sokhar")
    assert len(client.get(REPORT).context["rows"]) == 3
    assert builds == [1]  # rebuilt once the people changed
    duplicate_finder.forget()


def test_a_large_search_runs_in_the_background_and_shows_its_progress(
    client_for, supervisor, monkeypatch
):
    monkeypatch.setattr(duplicate_finder, "MEMO_FROM", 0)
    monkeypatch.setattr(duplicate_finder, "BACKGROUND_FROM", 0)
    queued = []
    monkeypatch.setattr(duplicate_finder, "start_in_background", queued.append)
    duplicate_finder.forget()
    make_person(name="Kem Sokha")
    make_person(name="Sokha Kem")
    client = client_for(supervisor)
    waiting = client.get(REPORT)
    html = waiting.content.decode()
    assert waiting.context["report"].pairs is None and waiting.context["rows"] == []
    assert "Checking 2 people for duplicates" in html and 'http-equiv="refresh"' in html
    assert "No duplicate people found" not in html
    client.get(REPORT)
    assert len(queued) == 1  # one search at a time
    queued.pop()()  # the thread's work, here at once
    done = client.get(REPORT)
    assert len(done.context["rows"]) == 1 and 'http-equiv="refresh"' not in done.content.decode()

    make_person(name="Kem Sokhar")
    stale = client.get(REPORT)
    assert stale.context["report"].stale and len(stale.context["rows"]) == 1
    assert "before the latest changes" in stale.content.decode()
    queued.pop()()
    assert len(client.get(REPORT).context["rows"]) == 3
    duplicate_finder.forget()


def test_only_the_best_pairs_are_kept_and_the_page_says_so(client_for, supervisor, monkeypatch):
    monkeypatch.setattr(duplicate_finder, "REPORT_LIMIT", 2)
    for name in ("Kem Sokha", "Sokha Kem", "Kem Sokhar"):
        make_person(name=name)
    response = client_for(supervisor).get(REPORT)
    assert [row.match.score for row in response.context["rows"]] == [99, 95]
    assert "3 pairs were found; the 2 best are listed" in response.content.decode()
