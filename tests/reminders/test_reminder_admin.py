"""The reminder models in the admin: all there, the outbox read-only, lists bounded."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from reminders.models import (
    CalendarFeed,
    Digest,
    Notification,
    PassRun,
    Reminder,
    ReminderPreference,
)
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


def make_reminder():
    now = timezone.now()
    return Reminder.objects.create(
        kind="hearing_upcoming",
        record_type="hearing",
        record_id=1,
        case=make_case(),
        deadline=now,
        offset_days=1,
        recipient=make_user("monitor"),
        due_at=now - dt.timedelta(days=1),
    )


MAKERS = {
    Reminder: make_reminder,
    Notification: lambda: Notification.objects.create(user=make_user("monitor"), title="T"),
    ReminderPreference: lambda: ReminderPreference.objects.create(user=make_user("monitor")),
    Digest: lambda: Digest.objects.create(user=make_user("monitor"), day=dt.date(2026, 1, 1)),
    CalendarFeed: lambda: CalendarFeed.objects.get(user=_feed_user()),
    PassRun: lambda: PassRun.objects.create(started_at=timezone.now()),
}


def _feed_user():
    user = make_user("monitor")
    CalendarFeed.issue(user)
    return user


def url(model, view, *args):
    return reverse(f"admin:reminders_{model._meta.model_name}_{view}", args=args)


def test_every_model_is_registered_and_has_a_maker():
    models = set(apps.get_app_config("reminders").get_models())
    assert models == set(MAKERS)
    assert [m.__name__ for m in models if not admin.site.is_registered(m)] == []


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m.__name__)
def test_the_admin_group_opens_each_list_and_row(client_for, admin_user, model):
    row = MAKERS[model]()
    client = client_for(admin_user)
    assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(model, "change", row.pk)).status_code == 200


def test_the_outbox_cannot_be_edited_or_deleted_in_the_admin(client_for, admin_user):
    reminder = make_reminder()
    client = client_for(admin_user)
    response = client.post(url(Reminder, "change", reminder.pk), {"status": "sent"})
    assert response.status_code == 403
    assert client.post(url(Reminder, "delete", reminder.pk), {"post": "yes"}).status_code == 403
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING


def test_an_admin_can_revoke_a_calendar_feed(client_for, admin_user):
    feed = MAKERS[CalendarFeed]()
    client = client_for(admin_user)
    client.post(url(CalendarFeed, "delete", feed.pk), {"post": "yes"})
    assert not CalendarFeed.objects.filter(pk=feed.pk).exists()
