"""Reminder preferences: kinds muted, e-mail off, the digest for supervisors, bad input refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reminders.kinds import Kind
from reminders.models import ReminderPreference
from tests.factories import make_user

pytestmark = pytest.mark.django_db

URL = reverse("reminders:preferences")


def form_data(*, wanted=None, email=True, digest=None) -> dict:
    """Return a POST as the browser sends it: unticked boxes are absent."""
    data: dict = {"wanted": list(Kind.values) if wanted is None else wanted}
    if email:
        data["email"] = "on"
    if digest:
        data["daily_digest"] = "on"
    return data


def test_page_lists_every_kind_with_who_receives_it(monitor, client_for):
    response = client_for(monitor).get(URL)
    assert response.status_code == 200
    html = response.text
    for kind in Kind:
        assert f'value="{kind.value}"' in html
        assert str(kind.label) in html
    assert "Sent to: Supervisors, Assigned monitors" in html
    assert "Sent to: Owner of the record" in html
    # Everything is received until the user says otherwise.
    assert html.count("checked") == len(Kind.values) + 1  # the kinds and e-mail
    assert not ReminderPreference.objects.exists()  # a visit alone creates nothing


def test_first_save_creates_the_row_with_the_kinds_muted(monitor, client_for):
    wanted = [k for k in Kind.values if k != Kind.HEARING_UPCOMING]
    response = client_for(monitor).post(URL, form_data(wanted=wanted), follow=True)
    assert "Your reminder settings were saved." in response.text
    preference = ReminderPreference.objects.get(user=monitor)
    assert preference.muted_kinds == [Kind.HEARING_UPCOMING]
    assert not preference.wants(Kind.HEARING_UPCOMING)
    assert preference.wants(Kind.BEYOND_LIMIT)
    assert preference.email is True


def test_saved_choices_are_shown_again(monitor, client_for):
    ReminderPreference.objects.create(user=monitor, muted_kinds=[Kind.FOLLOWUP_DUE], email=False)
    html = client_for(monitor).get(URL).text
    assert 'value="followup_due" id="id_wanted_7"' in html
    assert 'value="followup_due" id="id_wanted_7" checked' not in html
    assert 'name="email" id="id_email" checked' not in html


def test_email_can_be_turned_off_and_a_kind_unmuted(monitor, client_for):
    ReminderPreference.objects.create(user=monitor, muted_kinds=[Kind.FOLLOWUP_DUE])
    client_for(monitor).post(URL, form_data(email=False))
    preference = ReminderPreference.objects.get(user=monitor)
    assert preference.email is False
    assert preference.muted_kinds == []


def test_everything_can_be_muted(monitor, client_for):
    client_for(monitor).post(URL, form_data(wanted=[]))
    assert ReminderPreference.objects.get(user=monitor).muted_kinds == list(Kind.values)


def test_digest_is_offered_to_supervisors(supervisor, client_for):
    client = client_for(supervisor)
    assert 'name="daily_digest"' in client.get(URL).text
    client.post(URL, form_data(digest=True))
    assert ReminderPreference.objects.get(user=supervisor).daily_digest is True


def test_digest_is_not_offered_to_monitors_and_cannot_be_forced(monitor, client_for):
    client = client_for(monitor)
    assert 'name="daily_digest"' not in client.get(URL).text
    client.post(URL, form_data(digest=True))
    assert ReminderPreference.objects.get(user=monitor).daily_digest is False


def test_unknown_kind_is_refused_with_a_message(monitor, client_for):
    response = client_for(monitor).post(URL, form_data(wanted=["hearing_upcoming", "nonsense"]))
    assert response.status_code == 200
    assert "Your settings were not saved" in response.text
    assert "Select a valid choice. nonsense is not one of the available choices." in response.text
    assert not ReminderPreference.objects.exists()


def test_saving_changes_only_my_row(monitor, other_monitor, client_for):
    theirs = ReminderPreference.objects.create(user=other_monitor, muted_kinds=[Kind.RELEASE_DUE])
    client_for(monitor).post(URL, form_data(wanted=[]))
    theirs.refresh_from_db()
    assert theirs.muted_kinds == [Kind.RELEASE_DUE]
    assert ReminderPreference.objects.count() == 2


def test_a_user_without_email_address_is_told(client_for):
    user = make_user("monitor", email="")
    assert "Your account has no e-mail address" in client_for(user).get(URL).text


def test_save_is_csrf_protected(monitor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    assert client.post(URL, form_data()).status_code == 403
