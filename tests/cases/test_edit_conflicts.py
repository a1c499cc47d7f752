"""Concurrent edits: an edit based on a version someone has changed since is refused, with who
changed what and when, and the user's input kept. Never last-write-wins."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.admin import AdminVersionedForm
from cases.forms import VersionedModelForm
from cases.models import Case, Detention, EditConflict, Hearing
from cases.services.detentions import record_detention
from tests.factories import make_case, make_detention, make_hearing, make_user
from tests.support.forms import form_data, single

pytestmark = pytest.mark.django_db


def opened_form(client, url) -> dict:
    """Return the data of the edit form as the browser would send it back."""
    page = client.get(url)
    assert page.status_code == 200
    return single(form_data(page.content, **{"class": "record-form"}))


def test_the_second_of_two_edits_is_refused_with_who_and_what(client_for, supervisor):
    other = make_user("supervisor", username="colleague")
    case = make_case(title="Arrest of union leaders")
    url = reverse("cases:case-update", args=[case.pk])
    mine, theirs = client_for(supervisor), client_for(other)
    my_form, their_form = opened_form(mine, url), opened_form(theirs, url)

    assert theirs.post(url, {**their_form, "title": "Arrest of three leaders"}).status_code == 302
    response = mine.post(url, {**my_form, "title": "Arrest of union members", "summary": "Mine"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "was changed by colleague on" in html
    assert "Arrest of three leaders" in html  # what they saved, beside the form
    assert 'value="Arrest of union members"' in html and "Mine" in html  # my input is kept
    assert reverse("audit:history", args=["cases", "case", case.pk]) in html
    case.refresh_from_db()
    assert case.title == "Arrest of three leaders"  # nothing of mine was saved
    # The form now carries the current version: saving again is a deliberate choice.
    resent = single(form_data(response.content, **{"class": "record-form"}))
    assert resent["version"] == str(case.version)
    assert mine.post(url, resent).status_code == 302
    case.refresh_from_db()
    assert case.title == "Arrest of union members"


def test_a_monitor_sees_the_other_change_but_no_history_link(client_for, monitor, supervisor):
    case = make_case(monitors=[monitor])
    url = reverse("cases:case-update", args=[case.pk])
    form = opened_form(client_for(monitor), url)
    case.refresh_from_db()
    case.status = Case.Status.CLOSED
    case.save()
    response = client_for(monitor).post(url, {**form, "monitors": [monitor.pk]})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Closed" in html
    assert reverse("audit:history", args=["cases", "case", case.pk]) not in html


def test_changing_only_the_monitors_makes_other_open_forms_stale(client_for, supervisor):
    monitor = make_user("monitor")
    case = make_case()
    url = reverse("cases:case-update", args=[case.pk])
    client = client_for(supervisor)
    form = opened_form(client, url)
    case.monitors.add(monitor)
    response = client.post(url, {**form, "title": "Stale"})
    assert response.status_code == 409
    assert list(case.monitors.all()) == [monitor]  # not dropped by the stale form


def test_a_save_that_changes_nothing_does_not_make_others_stale(client_for, supervisor):
    case = make_case()
    url = reverse("cases:case-update", args=[case.pk])
    client = client_for(supervisor)
    form = opened_form(client, url)
    Case.objects.get(pk=case.pk).save()
    assert client.post(url, {**form, "title": "Fine"}).status_code == 302


@pytest.mark.parametrize("kind", ["hearing", "detention"])
def test_edits_saved_through_services_are_refused_too(client_for, supervisor, kind):
    record = make_hearing() if kind == "hearing" else make_detention()
    url = reverse(f"cases:{kind}-update", args=[record.pk])
    client = client_for(supervisor)
    form = opened_form(client, url)
    fresh = type(record).objects.get(pk=record.pk)
    fresh.source = "Changed meanwhile"
    fresh.save()
    response = client.post(url, {**form, "source": "Mine"})
    assert response.status_code == 409
    assert type(record).objects.get(pk=record.pk).source == "Changed meanwhile"


def test_an_edit_without_its_version_is_refused(client_for, supervisor):
    case = make_case()
    url = reverse("cases:case-update", args=[case.pk])
    client = client_for(supervisor)
    form = opened_form(client, url)
    del form["version"]
    response = client.post(url, {**form, "title": "No version"})
    assert response.status_code == 200
    assert "lacks the version" in response.content.decode()


def test_a_stale_instance_cannot_be_saved_from_code_either():
    detention = make_detention()
    stale = Detention.objects.get(pk=detention.pk)
    detention.conditions = "Overcrowded cell"
    detention.save()
    stale.conditions = "Older text"
    with pytest.raises(EditConflict):
        record_detention(detention=stale, by=None)
    assert Detention.objects.get(pk=detention.pk).conditions == "Overcrowded cell"
    hearing = make_hearing()
    older = Hearing.objects.get(pk=hearing.pk)
    hearing.outcome = "Adjourned"
    hearing.save()
    older.outcome = "Held"
    with pytest.raises(EditConflict):
        older.save(update_fields=["outcome", "updated_at"])


def test_the_admin_refuses_a_stale_edit_and_names_who_changed_it(client_for, admin_user):
    other = make_user("admin", username="other-admin")
    case = make_case(title="Before")
    url = reverse("admin:cases_case_change", args=[case.pk])
    mine, theirs = client_for(admin_user), client_for(other)
    my_form = single(form_data(mine.get(url).content, id="case_form"))
    their_form = single(form_data(theirs.get(url).content, id="case_form"))
    assert theirs.post(url, {**their_form, "title": "Theirs"}).status_code == 302
    response = mine.post(url, {**my_form, "title": "Mine"})
    assert response.status_code == 200
    assert "was changed by other-admin" in response.content.decode()
    assert 'value="Mine"' in response.content.decode()
    case.refresh_from_db()
    assert case.title == "Theirs"


def test_the_admin_refuses_an_edit_that_loses_the_race_after_its_check(
    client_for, admin_user, monkeypatch
):
    case = make_case(title="Before")
    url = reverse("admin:cases_case_change", args=[case.pk])
    client = client_for(admin_user)
    form = single(form_data(client.get(url).content, id="case_form"))
    fresh = Case.objects.get(pk=case.pk)
    fresh.title = "Saved meanwhile"
    fresh.save()
    # The other save lands between the form's check and its save.
    monkeypatch.setattr(AdminVersionedForm, "clean", VersionedModelForm.clean)
    response = client.post(url, {**form, "title": "Mine"}, follow=True)
    assert "was changed by someone else while you were saving it" in response.content.decode()
    case.refresh_from_db()
    assert case.title == "Saved meanwhile"
