"""The inbox: own notifications only, marking read, safe links, the header badge, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reminders.models import Notification

pytestmark = pytest.mark.django_db

LIST = reverse("reminders:notification-list")
READ_ALL = reverse("reminders:notification-read-all")


def notify(user, **kw) -> Notification:
    kw.setdefault("kind", "hearing_upcoming")
    kw.setdefault("title", "Hearing coming up: case 1")
    kw.setdefault("url", "/hearings/1/")
    return Notification.objects.create(user=user, **kw)


def read_url(notification: Notification) -> str:
    return reverse("reminders:notification-read", args=[notification.pk])


def open_url(notification: Notification) -> str:
    return reverse("reminders:notification-open", args=[notification.pk])


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_anonymous_is_sent_to_login():
    for url in (LIST, reverse("reminders:preferences"), reverse("reminders:calendar")):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_user_sees_only_their_own_notifications(monitor, other_monitor, client_for):
    notify(monitor, title="Mine to read")
    notify(other_monitor, title="Someone else's")
    response = client_for(monitor).get(LIST)
    assert response.status_code == 200
    assert "Mine to read" in response.text
    assert "Someone else&#x27;s" not in response.text


def test_unread_and_urgent_notifications_stand_out(monitor, client_for):
    unread = notify(monitor, title="Unread one", urgent=True)
    read = notify(monitor, title="Read one", read_at=timezone.now())
    html = client_for(monitor).get(LIST).text
    assert re.search(rf'class="notification unread urgent" id="notification-{unread.pk}"', html)
    assert f'class="notification" id="notification-{read.pk}"' in html
    assert "Urgent" in html


def test_someone_elses_notification_answers_404(monitor, other_monitor, client_for):
    theirs = notify(other_monitor)
    client = client_for(monitor)
    assert client.post(read_url(theirs)).status_code == 404
    assert client.get(open_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post_and_returns_to_the_inbox(monitor, client_for):
    notification = notify(monitor)
    client = client_for(monitor)
    assert client.get(read_url(notification)).status_code == 405
    response = client.post(read_url(notification), {"next": f"{LIST}?page=2"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?page=2"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_ignores_a_foreign_next(monitor, client_for):
    notification = notify(monitor)
    response = client_for(monitor).post(read_url(notification), {"next": "https://evil.test/"})
    assert response["Location"] == LIST


def test_mark_read_is_csrf_protected(monitor):
    notification = notify(monitor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(monitor)
    assert client.post(read_url(notification)).status_code == 403
    assert client.post(READ_ALL).status_code == 403


def test_mark_all_read_marks_only_mine_and_says_how_many(monitor, other_monitor, client_for):
    mine = [notify(monitor) for _ in range(3)]
    theirs = notify(other_monitor)
    already = notify(monitor, read_at=timezone.now() - dt.timedelta(days=1))
    client = client_for(monitor)
    assert "Mark all 3 unread notifications as read" in client.get(LIST).text
    response = client.post(READ_ALL, follow=True)
    assert "Marked 3 notifications as read." in response.text
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    stamp = already.read_at
    already.refresh_from_db()
    assert already.read_at == stamp


def test_open_marks_read_and_follows_a_local_link(monitor, client_for):
    notification = notify(monitor, url="/hearings/7/")
    response = client_for(monitor).get(open_url(notification))
    assert response.status_code == 302
    assert response["Location"] == "/hearings/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.test/phish",
        "//evil.test/phish",
        "/\\evil.test/phish",
        "javascript:alert(1)",
        "hearings/7/",
        "",
    ],
)
def test_open_never_leaves_the_site(monitor, client_for, url):
    notification = notify(monitor, url=url)
    response = client_for(monitor).get(open_url(notification))
    assert response.status_code == 302
    assert response["Location"] == LIST
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_header_badge_counts_my_unread_notifications(monitor, other_monitor, client_for):
    notify(monitor)
    notify(monitor)
    notify(monitor, read_at=timezone.now())
    notify(other_monitor)
    html = client_for(monitor).get(reverse("home")).text
    assert 'aria-label="Notifications, 2 unread"' in html
    assert '<span class="unread-count" aria-hidden="true">2</span>' in html
    assert reverse("reminders:preferences") in html
    assert reverse("reminders:calendar") in html


def test_header_has_no_badge_when_everything_is_read(monitor, client_for):
    notify(monitor, read_at=timezone.now())
    html = client_for(monitor).get(reverse("home")).text
    assert LIST in html
    assert "unread-count" not in html
    assert " unread" not in html.split("<main")[0]


def test_empty_inbox_says_so(monitor, client_for):
    html = client_for(monitor).get(LIST).text
    assert "No notifications yet." in html
    assert "Mark all" not in html


def test_inbox_is_paginated(monitor, client_for, settings):
    settings.PAGINATE_BY = 2
    for n in range(5):
        notify(monitor, title=f"Notice number {n}")
    client = client_for(monitor)
    first = client.get(LIST).text
    assert "Notice number 4" in first  # newest first
    assert "Notice number 2" not in first
    assert "Page 1 of 3" in first
    last = client.get(LIST, {"page": 3}).text
    assert "Notice number 0" in last
    assert "Notice number 4" not in last
    assert client.get(LIST, {"page": "x"}).status_code == 200


def test_inbox_queries_do_not_grow_with_notifications(monitor, client_for, settings):
    settings.PAGINATE_BY = 50
    client = client_for(monitor)
    notify(monitor, urgent=True)
    one = count_queries(client, LIST)
    for n in range(30):
        notify(monitor, read_at=timezone.now() if n % 2 else None, urgent=bool(n % 3))
    assert count_queries(client, LIST) == one
