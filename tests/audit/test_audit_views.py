"""The history of a record (supervisors) and the audit log (administrators)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import audit
from audit.models import AuditEvent
from cases.models import Case
from tests.factories import make_case, make_court, make_person, make_user

pytestmark = pytest.mark.django_db


def history_url(obj) -> str:
    return reverse("audit:history", args=[obj._meta.app_label, obj._meta.model_name, obj.pk])


# History of one record -----------------------------------------------------------------------


def test_history_ladder(client, client_for, monitor, exporter, supervisor):
    case = make_case()
    url = history_url(case)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert client_for(monitor).get(url).status_code == 403
    assert client_for(exporter).get(url).status_code == 403
    assert client_for(supervisor).get(url).status_code == 200
    missing = reverse("audit:history", args=["cases", "case", 999999])
    assert client_for(supervisor).get(missing).status_code == 404
    unknown = reverse("audit:history", args=["cases", "nothing", case.pk])
    assert client_for(supervisor).get(unknown).status_code == 404


def test_history_shows_who_changed_which_field_newest_first(client_for, supervisor):
    court, other = make_court(name="Kandal Court"), make_court(name="Takeo Court")
    case = make_case(title="Arrest of union leaders", court=court)
    client = client_for(supervisor)
    page = client.get(reverse("cases:case-update", args=[case.pk]))
    assert page.status_code == 200
    case.refresh_from_db()
    case.title = "Arrest of three union leaders"
    case.court = other
    case.status = Case.Status.CLOSED
    case.save()
    html = client.get(history_url(case)).content.decode()
    assert "Arrest of union leaders" in html and "Arrest of three union leaders" in html
    assert "Kandal Court" in html and "Takeo Court" in html  # courts by name, not by key
    assert "Closed" in html  # choices by label
    assert html.index("Changed") < html.index("Created")  # newest first


def test_detail_pages_link_to_the_history_for_supervisors_only(client_for, monitor, supervisor):
    case = make_case(monitors=[monitor])
    url = history_url(case)
    assert url in client_for(supervisor).get(case.get_absolute_url()).content.decode()
    assert url not in client_for(monitor).get(case.get_absolute_url()).content.decode()


def test_history_names_protected_people_only_for_those_cleared(client_for, supervisor):
    person = make_person(name="Real Name", is_protected=True, pseudonym="Witness A")
    person.notes = "Met at the market"
    person.save()
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="manage_all_cases"))
    viewer.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    shown = client_for(viewer).get(history_url(person)).content.decode()
    assert "Real Name" not in shown and "Met at the market" not in shown
    assert "Witness A" in shown
    logged = client_for(viewer).get(reverse("audit:event-list")).content.decode()
    assert "Real Name" not in logged and "Met at the market" not in logged
    cleared = client_for(supervisor).get(history_url(person)).content.decode()
    assert "Real Name" in cleared and "Met at the market" in cleared


def test_history_pages_cost_the_same_for_1_or_many_events(
    client_for, supervisor, django_assert_num_queries
):
    case = make_case(court=make_court())
    client = client_for(supervisor)
    client.get(history_url(case))
    with CaptureQueriesContext(connection) as one:
        client.get(history_url(case))
    for n in range(6):
        case.title = f"Title {n}"
        case.court = make_court()
        case.save()
    with django_assert_num_queries(len(one)):
        client.get(history_url(case))


# The audit log ------------------------------------------------------------------------------


def test_audit_log_ladder(client, client_for, monitor, supervisor, admin_user):
    url = reverse("audit:event-list")
    assert client.get(url).status_code == 302
    assert client_for(monitor).get(url).status_code == 403
    assert client_for(supervisor).get(url).status_code == 403  # not staff
    staff = make_user(is_staff=True)
    assert client_for(staff).get(url).status_code == 403  # staff without the permission
    assert client_for(admin_user).get(url).status_code == 200


def test_audit_log_filters_by_actor_action_record_and_date(client_for, admin_user, monitor):
    court = make_court(name="Filtered court")
    audit.record(action="login", actor=monitor)
    client = client_for(admin_user)
    url = reverse("audit:event-list")

    def rows(**params):
        return [shown.event for shown in client.get(url, params).context["events"]]

    assert {e.action for e in rows(action="login")} == {"login"}
    assert {e.actor_label for e in rows(actor="monit")} == {"monitor"}
    assert [e.object_id for e in rows(model="cases.court", object_id=str(court.pk))] == [
        str(court.pk)
    ]
    # The filter's days are local days (the events' UTC date is the day before in the evening).
    today = timezone.localdate(AuditEvent.objects.latest("at").at)
    assert rows(since=today.isoformat(), until=today.isoformat())
    assert rows(until="2000-01-01") == []
    everything = rows()
    assert everything == sorted(everything, key=lambda e: (e.at, e.pk), reverse=True)


def test_audit_log_pages_cost_the_same_for_1_or_many_events(
    client_for, admin_user, django_assert_num_queries
):
    client = client_for(admin_user)
    # One event of each kind the page resolves (a court, monitors): then only rows are added.
    make_case(court=make_court(), monitors=[make_user("monitor")])
    client.get(reverse("audit:event-list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("audit:event-list"))
    for _ in range(8):
        make_case(court=make_court(), monitors=[make_user("monitor")])
    with django_assert_num_queries(len(one)):
        client.get(reverse("audit:event-list"))


def test_the_admin_shows_the_trail_read_only(client_for, admin_user):
    court = make_court()
    event = AuditEvent.objects.filter(model="cases.court", object_id=str(court.pk)).get()
    client = client_for(admin_user)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    page = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and court.name in page.content.decode()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
