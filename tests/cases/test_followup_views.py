"""Follow-up screens: the permission ladder, the form's choices, filters, bad input, queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import FollowUp
from tests.factories import (
    make_case,
    make_detention,
    make_facility,
    make_followup,
    make_organisation,
    make_party,
    make_person,
    make_user,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2024, 6, 15, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def urls_of(followup) -> dict[str, str]:
    return {
        "list": reverse("cases:followup-list"),
        "detail": reverse("cases:followup-detail", args=[followup.pk]),
        "create": reverse("cases:followup-create", args=[followup.case_id]),
        "update": reverse("cases:followup-update", args=[followup.pk]),
        "delete": reverse("cases:followup-delete", args=[followup.pk]),
    }


@pytest.fixture
def case(monitor):
    return make_case(monitors=[monitor], reference="PP-2024-010")


@pytest.fixture
def followup(case, monitor):
    return make_followup(case=case, owner=monitor, due_on=dt.date(2024, 7, 1))


@pytest.fixture
def hidden_followup(other_monitor):
    return make_followup(case=make_case(restricted=True, monitors=[other_monitor]))


def form_data(**kw):
    data = {
        "kind": "letter",
        "description": "Letter to the prison director about medical care.",
        "status": "open",
        "done_precision": "day",
        "done_on": "",
        "done_until": "",
        "due_on": "2024-07-01",
    }
    data.update(kw)
    return data


# The permission ladder


@pytest.mark.parametrize("name", ["list", "detail", "create", "update", "delete"])
def test_anonymous_is_sent_to_login(client, followup, name):
    response = client.get(urls_of(followup)[name])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["monitor", "exporter"])
@pytest.mark.parametrize("name", ["detail", "create", "update", "delete"])
def test_a_follow_up_of_a_hidden_case_answers_404(client_for, hidden_followup, role, name):
    client = client_for(make_user(role))
    url = urls_of(hidden_followup)[name]
    assert client.get(url).status_code == 404
    if name != "detail":
        assert client.post(url, form_data()).status_code == 404
    assert FollowUp.objects.count() == 1


def test_a_hidden_follow_up_is_not_listed(client_for, monitor, hidden_followup):
    response = client_for(monitor).get(reverse("cases:followup-list"))
    assert list(response.context["object_list"]) == []


@pytest.mark.parametrize("name", ["create", "update", "delete"])
def test_exporter_reads_but_cannot_write(client_for, exporter, followup, name):
    client = client_for(exporter)
    assert client.get(urls_of(followup)["detail"]).status_code == 200
    assert client.get(urls_of(followup)[name]).status_code == 403
    assert client.post(urls_of(followup)[name], form_data()).status_code == 403
    assert FollowUp.objects.count() == 1


@pytest.mark.parametrize("name", ["create", "update"])
def test_unassigned_monitor_cannot_write_to_a_normal_case(
    client_for, other_monitor, followup, name
):
    client = client_for(other_monitor)
    assert client.get(urls_of(followup)["detail"]).status_code == 200
    assert client.get(urls_of(followup)[name]).status_code == 403
    assert client.post(urls_of(followup)[name], form_data(kind="visit")).status_code == 403
    assert list(FollowUp.objects.values_list("kind", flat=True)) == ["letter"]


def test_assigned_monitor_creates_with_themselves_as_owner(client_for, monitor, case):
    client = client_for(monitor)
    url = reverse("cases:followup-create", args=[case.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"]["owner"].value() == monitor.pk

    response = client.post(url, form_data(owner=monitor.pk))

    followup = FollowUp.objects.get()
    assert response.status_code == 302
    assert response["Location"] == followup.get_absolute_url()
    assert (followup.case, followup.owner) == (case, monitor)


def test_choices_are_limited_to_the_case(client_for, monitor, case):
    defendant = make_person(name="Defendant In Case")
    protected = make_person(name="Real Name", is_protected=True, pseudonym="Witness B")
    make_party(case=case, person=defendant)
    make_party(case=case, person=protected, role="witness")
    detention = make_detention(person=defendant, case=case)
    stranger = make_person(name="Someone Else")
    elsewhere = make_detention(person=stranger)
    facility = make_facility()
    ministry = make_organisation(name="Ministry of Justice")

    form = client_for(monitor).get(reverse("cases:followup-create", args=[case.pk])).context["form"]

    assert set(form.fields["person"].queryset) == {defendant, protected}
    assert list(form.fields["detention"].queryset) == [detention]
    assert elsewhere not in form.fields["detention"].queryset
    assert facility in form.fields["facility"].queryset
    assert ministry in form.fields["addressed_to"].queryset
    html = str(form["person"]) + str(form["detention"])
    assert "Witness B" in html
    assert "Real Name" not in html
    assert monitor in form.fields["owner"].queryset
    assert make_user("exporter") not in form.fields["owner"].queryset


def test_a_person_from_another_case_is_refused(client_for, monitor, case):
    stranger = make_person()
    response = client_for(monitor).post(
        reverse("cases:followup-create", args=[case.pk]), form_data(person=stranger.pk)
    )
    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    assert not FollowUp.objects.exists()


def test_a_detention_of_another_person_is_refused(client_for, monitor, case):
    first, second = make_person(), make_person()
    make_party(case=case, person=first)
    make_party(case=case, person=second)
    detention = make_detention(person=second, case=case)
    response = client_for(monitor).post(
        reverse("cases:followup-create", args=[case.pk]),
        form_data(person=first.pk, detention=detention.pk),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["detention"] == ["This detention is of another person."]


def test_monitor_cannot_delete(client_for, monitor, followup):
    client = client_for(monitor)
    assert client.get(urls_of(followup)["delete"]).status_code == 403
    assert client.post(urls_of(followup)["delete"]).status_code == 403
    assert FollowUp.objects.filter(pk=followup.pk).exists()


def test_supervisor_deletes_after_confirmation(client_for, supervisor, followup):
    client = client_for(supervisor)
    url = urls_of(followup)["delete"]
    response = client.get(url)
    assert response.status_code == 200
    assert b"Yes, delete" in response.content

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == followup.case.get_absolute_url()
    assert not FollowUp.objects.filter(pk=followup.pk).exists()


# Marking done


def test_done_without_a_date_is_refused_beside_the_date(client_for, monitor, followup):
    url = reverse("cases:followup-update", args=[followup.pk])
    response = client_for(monitor).post(
        url, form_data(status="done", response="The director replied.")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["done_on"] == ["A follow-up marked done needs the date it was done."]
    text = response.content.decode()
    assert 'id="id_done_on_error"' in text
    assert "The director replied." in text
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.OPEN


def test_done_with_a_date_is_saved(client_for, monitor, followup):
    url = reverse("cases:followup-update", args=[followup.pk])
    response = client_for(monitor).post(
        url,
        form_data(status="done", done_on="2024-06-10", owner=monitor.pk, version=followup.version),
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.DONE
    assert followup.done_on == dt.date(2024, 6, 10)


def test_a_garbled_due_date_is_refused_with_the_input_kept(client_for, monitor, case):
    response = client_for(monitor).post(
        reverse("cases:followup-create", args=[case.pk]), form_data(due_on="next week")
    )
    assert response.status_code == 200
    assert "due_on" in response.context["form"].errors
    assert b'value="next week"' in response.content
    assert not FollowUp.objects.exists()


# Display, filters, sorting


def test_overdue_follow_ups_carry_a_badge(client_for, monitor, case):
    overdue = make_followup(case=case, due_on=dt.date(2024, 6, 1), description="Late letter")
    make_followup(case=case, due_on=dt.date(2024, 7, 1))
    make_followup(case=case, due_on=dt.date(2024, 6, 1), status="done", done_on=TODAY)
    client = client_for(monitor)
    listing = client.get(reverse("cases:followup-list")).content.decode()
    assert listing.count('<span class="badge danger">overdue</span>') == 1
    assert "overdue" in client.get(overdue.get_absolute_url()).content.decode()


def test_filters(client_for, monitor, other_monitor, case, followup):
    ministry = make_organisation(name="Ministry of Interior")
    overdue = make_followup(
        case=case, due_on=dt.date(2024, 6, 1), kind="visit", addressed_to=ministry
    )
    done = make_followup(
        case=make_case(),
        status="done",
        done_on=dt.date(2024, 5, 1),
        owner=other_monitor,
        due_on=dt.date(2024, 5, 2),
    )
    nobody = make_followup(case=make_case())
    client = client_for(monitor)

    def listed(query):
        response = client.get(reverse("cases:followup-list") + query)
        assert response.status_code == 200
        return set(response.context["object_list"])

    assert listed("") == {followup, overdue, done, nobody}
    assert listed("?status=done") == {done}
    assert listed("?kind=visit") == {overdue}
    assert listed(f"?addressed_to={ministry.pk}") == {overdue}
    assert listed(f"?owner={other_monitor.pk}") == {done}
    assert listed("?owner=null") == {overdue, nobody}
    assert listed("?mine=on") == {followup}
    assert listed("?overdue=on") == {overdue}
    assert listed("?due_from=2024-06-01&due_to=2024-06-30") == {overdue}
    response = client.get(reverse("cases:followup-list") + "?kind=meeting")
    assert b"No follow-up matches these filters." in response.content


def test_sorting(client_for, monitor, case):
    soon = make_followup(case=case, due_on=dt.date(2024, 6, 20))
    later = make_followup(case=case, due_on=dt.date(2024, 8, 1))
    client = client_for(monitor)

    def order(query):
        return list(client.get(reverse("cases:followup-list") + query).context["object_list"])

    assert order("?o=due") == [soon, later]
    assert order("?o=-due") == [later, soon]
    assert order("?o=status&o=bogus")[:2] in ([soon, later], [later, soon])


def test_empty_list_says_so(client_for, monitor):
    response = client_for(monitor).get(reverse("cases:followup-list"))
    assert b"No follow-ups recorded yet." in response.content


@pytest.mark.parametrize(
    "query",
    [
        "?o=bogus",
        "?page=999",
        "?page=x",
        "?due_from=2024-02-31",
        "?due_to=x",
        "?owner=xyz",
        "?addressed_to=-1",
        "?overdue=yes&mine=1",
    ],
)
def test_odd_query_strings_never_fail(client_for, monitor, followup, query):
    assert client_for(monitor).get(reverse("cases:followup-list") + query).status_code == 200


# Query counts


def test_list_query_count_does_not_grow_with_rows(client_for, monitor, followup):
    client = client_for(monitor)
    url = reverse("cases:followup-list")
    client.get(url)
    one = count_queries(client, url)
    for n in range(11):
        case = make_case()
        person = make_person(is_protected=n % 2 == 0)
        make_party(case=case, person=person)
        make_followup(
            case=case,
            person=person,
            addressed_to=make_organisation(),
            owner=make_user("monitor"),
            due_on=dt.date(2024, 6, n + 1),
        )
    many = count_queries(client, url)
    assert many == one


def test_detail_query_count_is_bounded(client_for, monitor, case, django_assert_max_num_queries):
    person = make_person()
    make_party(case=case, person=person)
    followup = make_followup(
        case=case,
        person=person,
        detention=make_detention(person=person, case=case),
        facility=make_facility(),
        addressed_to=make_organisation(),
        owner=monitor,
    )
    client = client_for(monitor)
    with django_assert_max_num_queries(8):
        response = client.get(followup.get_absolute_url())
    assert response.status_code == 200
