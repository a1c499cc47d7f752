"""Merging on the screens: the confirmation page side by side, the merge, the survivor's page
with every case, undo, and the permission ladder (protected identities included)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import CaseParty, MergeRecord, Person
from cases.services.merge import merge_people
from tests.factories import make_case, make_detention, make_party, make_person, make_user

pytestmark = pytest.mark.django_db


def merge_url(survivor, merged) -> str:
    return reverse("cases:person-merge", args=[survivor.pk, merged.pk])


def form(client, url) -> dict:
    """Return the merge form's data as the page gives it (its hidden versions, ticked boxes)."""
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "survivor_version": page.context["form"].initial["survivor_version"],
        "merged_version": page.context["form"].initial["merged_version"],
        "keep_spellings": "on",
    }
    if "fill" in page.context["form"].fields:
        data["fill"] = page.context["form"].fields["fill"].initial
    return data


@pytest.fixture
def pair(db):
    survivor = make_person(name="Kem Sokha")
    merged = make_person(name="Kem Sokhar", nationality="Cambodian")
    first, second = make_case(title="Treason"), make_case(title="Incitement")
    make_party(case=first, person=survivor)
    make_party(case=second, person=merged)
    make_detention(person=merged, case=second)
    return survivor, merged


def test_the_confirmation_shows_both_records_and_what_moves(client_for, supervisor, pair):
    survivor, merged = pair
    response = client_for(supervisor).get(merge_url(survivor, merged))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kem Sokha" in html and "Kem Sokhar" in html and "Cambodian" in html
    kinds = {kind: count for kind, count, _ in response.context["movements"]}
    assert kinds == {"Detentions": 1, "Parties to cases": 1}
    assert reverse("cases:person-merge", args=[merged.pk, survivor.pk]) in html  # swap
    assert list(response.context["form"].fields["fill"].initial) == ["nationality"]
    assert not MergeRecord.objects.exists()


def test_merging_moves_the_cases_to_the_survivor_page_and_can_be_undone(
    client_for, supervisor, pair
):
    survivor, merged = pair
    client = client_for(supervisor)
    url = merge_url(survivor, merged)
    response = client.post(url, form(client, url))
    record = MergeRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    page = client.get(survivor.get_absolute_url()).content.decode()
    assert "Treason" in page and "Incitement" in page
    assert client.get(merged.get_absolute_url()).status_code == 404
    assert Person.objects.get(pk=survivor.pk).nationality == "Cambodian"

    detail = client.get(record.get_absolute_url())
    assert detail.status_code == 200 and detail.context["problems"] == []
    assert reverse("cases:merge-undo", args=[record.pk]) in detail.content.decode()
    assert record in client.get(reverse("cases:merge-list")).context["records"]

    response = client.post(reverse("cases:merge-undo", args=[record.pk]))
    assert response.status_code == 302
    assert client.get(merged.get_absolute_url()).status_code == 200
    assert CaseParty.objects.get(case__title="Incitement").person_id == merged.pk
    assert AuditEvent.objects.filter(action="merge_undo").count() == 2


def test_undo_is_refused_with_the_reason_when_something_changed(client_for, supervisor, pair):
    survivor, merged = pair
    record = merge_people(survivor=survivor, merged=merged, by=supervisor, fill=["nationality"])
    changed = Person.objects.get(pk=survivor.pk)
    changed.nationality = "Thai"
    changed.save()
    client = client_for(supervisor)
    detail = client.get(record.get_absolute_url())
    assert detail.context["problems"]
    assert reverse("cases:merge-undo", args=[record.pk]) not in detail.content.decode()
    response = client.post(reverse("cases:merge-undo", args=[record.pk]), follow=True)
    assert "nationality" in response.content.decode()
    record.refresh_from_db()
    assert not record.is_undone


def test_a_stale_confirmation_page_is_refused(client_for, supervisor, pair):
    survivor, merged = pair
    client = client_for(supervisor)
    url = merge_url(survivor, merged)
    data = form(client, url)
    merged.notes = "edited meanwhile"
    merged.save()
    response = client.post(url, data)
    assert response.status_code == 409
    assert "changed since" in response.content.decode()
    assert not MergeRecord.objects.exists()


def test_merging_a_person_with_themselves_is_not_found(client_for, supervisor, pair):
    survivor, _ = pair
    assert client_for(supervisor).get(merge_url(survivor, survivor)).status_code == 404


def test_the_merge_ladder(client, client_for, monitor, exporter, supervisor, admin_user, pair):
    survivor, merged = pair
    url = merge_url(survivor, merged)
    assert client.get(url)["Location"].startswith("/accounts/login/")
    for user in (monitor, exporter):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).post(url, {}).status_code == 403
        assert client_for(user).get(reverse("cases:merge-list")).status_code == 403
    assert client_for(supervisor).get(url).status_code == 200
    assert client_for(admin_user).get(url).status_code == 200
    missing = reverse("cases:person-merge", args=[survivor.pk, 10**9])
    assert client_for(supervisor).get(missing).status_code == 404
    assert not MergeRecord.objects.exists()


def test_undo_ladder(client_for, monitor, exporter, supervisor, pair):
    survivor, merged = pair
    record = merge_people(survivor=survivor, merged=merged, by=supervisor)
    undo = reverse("cases:merge-undo", args=[record.pk])
    for user in (monitor, exporter):
        assert client_for(user).post(undo).status_code == 403
        assert client_for(user).get(record.get_absolute_url()).status_code == 403
    assert client_for(supervisor).get(undo).status_code == 405
    record.refresh_from_db()
    assert not record.is_undone


def outsider():
    """Return a user who may merge but not see restricted cases."""
    user = make_user(None, username="outsider")
    codenames = ["manage_all_cases", "change_person", "delete_person", "view_person"]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_a_person_the_user_may_not_see_answers_not_found(client_for, supervisor, pair):
    survivor, merged = pair
    hidden = make_person(name="Kem Sokhaa")
    make_party(case=make_case(restricted=True), person=hidden)
    client = client_for(outsider())
    assert client.get(merge_url(survivor, merged)).status_code == 200
    assert client.get(merge_url(survivor, hidden)).status_code == 404
    assert client.get(merge_url(hidden, survivor)).status_code == 404
    record = merge_people(survivor=survivor, merged=hidden, by=supervisor)
    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.post(reverse("cases:merge-undo", args=[record.pk])).status_code == 404
    assert record not in client.get(reverse("cases:merge-list")).context["records"]


def test_a_protected_identity_is_merged_only_by_the_cleared(client_for, supervisor, pair):
    survivor, _ = pair
    protected = make_person(name="Kem Sokhaa", is_protected=True, pseudonym="Witness K")
    user = outsider()
    user.user_permissions.add(Permission.objects.get(codename="view_restricted_case"))
    response = client_for(user).get(merge_url(survivor, protected))
    assert response.status_code == 403
    assert "Kem Sokhaa" not in response.content.decode()
    response = client_for(supervisor).get(merge_url(survivor, protected))
    assert response.status_code == 200
    assert "Witness K" in response.content.decode()  # the survivor becomes protected


def test_a_merge_that_cannot_be_made_says_why_and_changes_nothing(client_for, supervisor, pair):
    survivor, merged = pair
    case = make_case(title="Both defendants")
    kept = make_party(case=case, person=survivor)
    make_party(case=case, person=merged)
    kept.deleted_at = kept.created_at  # the survivor's party there is deleted
    kept.save()
    client = client_for(supervisor)
    url = merge_url(survivor, merged)
    page = client.get(url)
    assert "restore it first" in page.content.decode()
    assert 'name="survivor_version"' not in page.content.decode()  # no form to post
    response = client.post(url, {"survivor_version": 1, "merged_version": 1})
    assert response.status_code == 409
    assert not MergeRecord.objects.exists()
