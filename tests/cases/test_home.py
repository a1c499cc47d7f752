"""Each role's home page shows its own work, in a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Detention, FollowUp, Hearing
from tests.factories import make_case, make_detention, make_followup, make_hearing

pytestmark = pytest.mark.django_db


def soon(days: int):
    return timezone.now() + dt.timedelta(days=days)


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_monitor_sees_their_hearings_and_followups_only(client_for, monitor, other_monitor):
    mine = make_case(title="My case", monitors=[monitor])
    theirs = make_case(title="Their case", monitors=[other_monitor], restricted=True)
    make_hearing(case=mine, scheduled_at=soon(3), status=Hearing.Status.SCHEDULED)
    make_hearing(case=theirs, scheduled_at=soon(4), status=Hearing.Status.SCHEDULED)
    make_followup(case=mine, owner=monitor, description="Write to the prison")
    make_followup(case=mine, owner=other_monitor, description="Someone else's task")

    page = client_for(monitor).get(reverse("home")).content.decode()

    assert "My case" in page
    assert "Their case" not in page
    mine_followup = FollowUp.objects.get(owner=monitor)
    assert page.count(reverse("cases:followup-detail", args=[mine_followup.pk])) == 1
    other = FollowUp.objects.get(owner=other_monitor)
    assert reverse("cases:followup-detail", args=[other.pk]) not in page


def test_supervisor_sees_stages_detained_and_unmonitored_hearings(client_for, supervisor):
    case = make_case(stage=Case.Stage.TRIAL, restricted=True)
    make_detention(case=case, started_on=timezone.localdate() - dt.timedelta(days=30))
    hearing = make_hearing(case=case, scheduled_at=soon(2), monitor=None)

    response = client_for(supervisor).get(reverse("home"))
    page = response.content.decode()

    assert response.context["detained_count"] == 1
    assert {value: n for _, n, value in response.context["stages"]}["trial"] == 1
    assert reverse("cases:hearing-detail", args=[hearing.pk]) in page


def test_released_people_are_not_detained_now(client_for, supervisor):
    today = timezone.localdate()
    make_detention(
        started_on=today - dt.timedelta(days=20),
        ended_on=today - dt.timedelta(days=2),
        end_reason=Detention.EndReason.BAIL,
    )
    response = client_for(supervisor).get(reverse("home"))
    assert response.context["detained_count"] == 0


@pytest.mark.parametrize("role", ["monitor", "supervisor", "exporter", "admin_user"])
def test_home_queries_do_not_grow(client_for, request, role):
    user = request.getfixturevalue(role)
    client = client_for(user)

    def add_rows():
        case = make_case(monitors=[user])
        make_hearing(case=case, scheduled_at=soon(5), monitor=None)
        make_detention(case=case, started_on=timezone.localdate() - dt.timedelta(days=9))
        make_followup(case=case, owner=user)

    add_rows()
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("home")).status_code == 200
    for _ in range(6):
        add_rows()
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("home")).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)
