"""Hearing screens: the permission ladder, filters, sorting, the outcome form, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Hearing
from tests.factories import make_case, make_court, make_hearing, make_user

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def urls_of(hearing) -> dict[str, str]:
    return {
        "list": reverse("cases:hearing-list"),
        "detail": reverse("cases:hearing-detail", args=[hearing.pk]),
        "create": reverse("cases:hearing-create", args=[hearing.case_id]),
        "update": reverse("cases:hearing-update", args=[hearing.pk]),
        "delete": reverse("cases:hearing-delete", args=[hearing.pk]),
    }


@pytest.fixture
def court():
    return make_court(name="Phnom Penh Municipal Court")


@pytest.fixture
def case(monitor, court):
    return make_case(monitors=[monitor], court=court, reference="PP-2024-001")


@pytest.fixture
def hearing(case, court, monitor):
    return make_hearing(case=case, court=court, monitor=monitor, scheduled_at=at(2024, 3, 1, 8, 30))


@pytest.fixture
def hidden_hearing(other_monitor):
    return make_hearing(case=make_case(restricted=True, monitors=[other_monitor]))


def schedule_data(**kw):
    data = {"kind": "trial", "scheduled_at": "2024-06-03T08:30", "time_known": "on"}
    data.update(kw)
    return data


def outcome_data(hearing, **kw):
    data = {
        "status": "adjourned",
        "held_at": "2024-03-01T09:00",
        "outcome": "The defence lawyer was absent.",
        "next_hearing_at": "2024-04-02T08:00",
        "kind": hearing.kind,
        "court": hearing.court_id or "",
        "scheduled_at": timezone.localtime(hearing.scheduled_at).strftime("%Y-%m-%dT%H:%M"),
        "time_known": "on",
        "monitor": hearing.monitor_id or "",
        # The version the form was opened at: the stored one (these tests edit one at a time).
        "version": Hearing.all_objects.values_list("version", flat=True).get(pk=hearing.pk),
    }
    data.update(kw)
    return data


# The permission ladder


@pytest.mark.parametrize("name", ["list", "detail", "create", "update", "delete"])
def test_anonymous_is_sent_to_login(client, hearing, name):
    response = client.get(urls_of(hearing)[name])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["monitor", "exporter"])
@pytest.mark.parametrize("name", ["detail", "create", "update", "delete"])
def test_a_hearing_of_a_hidden_case_answers_404(client_for, hidden_hearing, role, name):
    client = client_for(make_user(role))
    url = urls_of(hidden_hearing)[name]
    assert client.get(url).status_code == 404
    if name != "detail":
        assert client.post(url, {}).status_code == 404
    assert Hearing.objects.filter(pk=hidden_hearing.pk).exists()


def test_a_hidden_hearing_is_not_listed(client_for, monitor, hidden_hearing):
    response = client_for(monitor).get(reverse("cases:hearing-list"))
    assert hidden_hearing.case.reference.encode() not in response.content
    assert (
        client_for(make_user("supervisor"))
        .get(reverse("cases:hearing-detail", args=[hidden_hearing.pk]))
        .status_code
        == 200
    )


@pytest.mark.parametrize("name", ["create", "update", "delete"])
def test_exporter_reads_but_cannot_write(client_for, exporter, hearing, name):
    client = client_for(exporter)
    assert client.get(urls_of(hearing)["list"]).status_code == 200
    assert client.get(urls_of(hearing)["detail"]).status_code == 200
    assert client.get(urls_of(hearing)[name]).status_code == 403
    assert client.post(urls_of(hearing)[name], schedule_data()).status_code == 403
    assert Hearing.objects.count() == 1


@pytest.mark.parametrize("name", ["create", "update"])
def test_unassigned_monitor_cannot_write_to_a_normal_case(client_for, other_monitor, hearing, name):
    client = client_for(other_monitor)
    assert client.get(urls_of(hearing)["detail"]).status_code == 200
    assert client.get(urls_of(hearing)[name]).status_code == 403
    assert client.post(urls_of(hearing)[name], outcome_data(hearing)).status_code == 403
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.SCHEDULED
    assert Hearing.objects.count() == 1


def test_detail_offers_edit_only_to_who_may_edit(client_for, monitor, other_monitor, hearing):
    edit = reverse("cases:hearing-update", args=[hearing.pk]).encode()
    delete = reverse("cases:hearing-delete", args=[hearing.pk]).encode()
    mine = client_for(monitor).get(urls_of(hearing)["detail"]).content
    theirs = client_for(other_monitor).get(urls_of(hearing)["detail"]).content
    assert edit in mine
    assert delete not in mine
    assert edit not in theirs


def test_assigned_monitor_schedules_a_hearing_with_the_case_court_by_default(
    client_for, monitor, case, court
):
    client = client_for(monitor)
    url = reverse("cases:hearing-create", args=[case.pk])
    form = client.get(url).context["form"]
    assert form["court"].value() == court.pk
    assert list(form.fields["monitor"].queryset) == [monitor]

    response = client.post(url, schedule_data(court=court.pk, monitor=monitor.pk))

    hearing = Hearing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == hearing.get_absolute_url()
    assert (hearing.case, hearing.court, hearing.monitor) == (case, court, monitor)
    assert hearing.scheduled_at == at(2024, 6, 3, 8, 30)  # typed in Phnom Penh time


def test_monitor_choices_are_field_monitors_only(client_for, monitor, case):
    supervisor = make_user("supervisor")
    client = client_for(monitor)
    url = reverse("cases:hearing-create", args=[case.pk])
    response = client.post(url, schedule_data(monitor=supervisor.pk))
    assert response.status_code == 200
    assert "monitor" in response.context["form"].errors
    assert not Hearing.objects.exists()


def test_adjourning_schedules_the_next_hearing_and_says_when(client_for, monitor, hearing):
    client = client_for(monitor)
    url = reverse("cases:hearing-update", args=[hearing.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, outcome_data(hearing), follow=True)

    following = Hearing.objects.get(previous=hearing)
    assert following.scheduled_at == at(2024, 4, 2, 8, 0)
    assert following.monitor == monitor
    text = response.content.decode()
    assert "The next hearing is scheduled for 2 April 2024, 08:00." in text
    # The detail page links both ways.
    assert following.get_absolute_url() in text
    assert hearing.get_absolute_url() in client.get(following.get_absolute_url()).content.decode()

    client.post(url, outcome_data(hearing))
    assert Hearing.objects.count() == 2
    client.post(url, outcome_data(hearing, next_hearing_at="2024-04-09T08:00"))
    assert Hearing.objects.count() == 2
    following.refresh_from_db()
    assert following.scheduled_at == at(2024, 4, 9, 8, 0)


def test_monitor_cannot_delete(client_for, monitor, hearing):
    client = client_for(monitor)
    assert client.get(urls_of(hearing)["delete"]).status_code == 403
    assert client.post(urls_of(hearing)["delete"]).status_code == 403
    assert Hearing.objects.filter(pk=hearing.pk).exists()


def test_supervisor_deletes_after_confirmation(client_for, supervisor, hearing):
    client = client_for(supervisor)
    url = urls_of(hearing)["delete"]
    response = client.get(url)
    assert response.status_code == 200
    assert b"Yes, delete" in response.content
    assert Hearing.objects.filter(pk=hearing.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == hearing.case.get_absolute_url()
    assert not Hearing.objects.filter(pk=hearing.pk).exists()


# Display


def test_an_unknown_time_shows_only_the_date(client_for, monitor, case):
    hearing = make_hearing(case=case, scheduled_at=at(2024, 7, 9, 0, 0), time_known=False)
    detail = client_for(monitor).get(hearing.get_absolute_url()).content.decode()
    listing = client_for(monitor).get(reverse("cases:hearing-list")).content.decode()
    for text in (detail, listing):
        assert "9 July 2024" in text
        assert "9 July 2024, 00:00" not in text


def test_times_are_shown_in_phnom_penh_time(client_for, monitor, case):
    hearing = make_hearing(case=case, scheduled_at=dt.datetime(2024, 7, 9, 1, 30, tzinfo=dt.UTC))
    detail = client_for(monitor).get(hearing.get_absolute_url()).content.decode()
    assert "9 July 2024, 08:30" in detail


# Bad input


def test_next_hearing_before_this_one_is_shown_beside_the_field(client_for, monitor, hearing):
    response = client_for(monitor).post(
        reverse("cases:hearing-update", args=[hearing.pk]),
        outcome_data(hearing, next_hearing_at="2024-02-01T08:00"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["next_hearing_at"] == ["The next hearing must come after this one."]
    text = response.content.decode()
    assert 'id="id_next_hearing_at_error"' in text
    assert 'value="2024-02-01T08:00"' in text
    assert "The defence lawyer was absent." in text
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.SCHEDULED
    assert Hearing.objects.count() == 1


def test_adjourned_without_reason_or_date_is_refused(client_for, monitor, hearing):
    response = client_for(monitor).post(
        reverse("cases:hearing-update", args=[hearing.pk]),
        outcome_data(hearing, outcome="", next_hearing_at=""),
    )
    assert response.status_code == 200
    assert "outcome" in response.context["form"].errors
    assert b'id="id_outcome_error"' in response.content
    assert b'value="adjourned" selected' in response.content
    assert b'value="2024-03-01T09:00"' in response.content
    hearing.refresh_from_db()
    assert hearing.status == Hearing.Status.SCHEDULED


def test_a_garbled_date_is_refused_with_the_input_kept(client_for, monitor, case):
    response = client_for(monitor).post(
        reverse("cases:hearing-create", args=[case.pk]), schedule_data(scheduled_at="soon")
    )
    assert response.status_code == 200
    assert "scheduled_at" in response.context["form"].errors
    assert b'value="soon"' in response.content
    assert not Hearing.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "?o=bogus",
        "?o=-scheduled,kind",
        "?o=",
        "?page=999",
        "?page=x",
        "?page=-1",
        "?scheduled_from=2024-13-45",
        "?scheduled_to=yesterday",
        "?monitor=abc",
        "?monitor=null",
        "?court=999999",
        "?kind=nonsense",
        "?mine=maybe&upcoming=1",
    ],
)
def test_odd_query_strings_never_fail(client_for, monitor, hearing, query):
    response = client_for(monitor).get(reverse("cases:hearing-list") + query)
    assert response.status_code == 200


def test_an_unknown_sort_key_is_ignored(client_for, monitor, hearing):
    response = client_for(monitor).get(reverse("cases:hearing-list") + "?o=bogus")
    assert list(response.context["object_list"]) == [hearing]


def test_a_page_past_the_end_shows_the_last_page(client_for, monitor, case, settings):
    settings.PAGINATE_BY = 2
    for day in range(1, 6):
        make_hearing(case=case, scheduled_at=at(2024, 1, day, 8, 0))
    response = client_for(monitor).get(reverse("cases:hearing-list") + "?page=999")
    assert response.context["page_obj"].number == 3


# Filters and sorting


def test_filters(client_for, monitor, other_monitor, case, court):
    other_court = make_court()
    followed = make_hearing(case=case, court=court, scheduled_at=at(2030, 1, 10, 8, 0))
    attended = make_hearing(
        case=make_case(reference="KD-1", title="Land dispute"),
        court=other_court,
        monitor=monitor,
        kind=Hearing.Kind.APPEAL,
        scheduled_at=at(2024, 5, 10, 8, 0),
        status=Hearing.Status.HELD,
        held_at=at(2024, 5, 10, 9, 0),
    )
    unmonitored = make_hearing(
        case=make_case(reference="KD-2"), scheduled_at=at(2024, 5, 11, 23, 30)
    )
    theirs = make_hearing(
        case=make_case(reference="KD-3"), monitor=other_monitor, scheduled_at=at(2024, 6, 1)
    )
    client = client_for(monitor)

    def listed(query):
        response = client.get(reverse("cases:hearing-list") + query)
        assert response.status_code == 200
        return set(response.context["object_list"])

    everything = {followed, attended, unmonitored, theirs}
    assert listed("") == everything
    assert listed("?q=land") == {attended}
    assert listed("?q=pp-2024") == {followed}
    assert listed(f"?court={other_court.pk}") == {attended}
    assert listed("?kind=appeal") == {attended}
    assert listed("?status=held") == {attended}
    assert listed(f"?monitor={other_monitor.pk}") == {theirs}
    assert listed("?monitor=null") == {followed, unmonitored}
    assert listed("?mine=on") == {followed, attended}
    assert listed("?upcoming=on") == {followed}
    # Day bounds are Phnom Penh days: 23:30 on 11 May is still 11 May.
    assert listed("?scheduled_from=2024-05-11&scheduled_to=2024-05-11") == {unmonitored}
    assert listed("?scheduled_from=2024-05-10&scheduled_to=2024-06-01") == {
        attended,
        unmonitored,
        theirs,
    }
    response = client.get(reverse("cases:hearing-list") + "?q=nothing-like-this")
    assert b"No hearing matches these filters." in response.content


def test_empty_list_says_so(client_for, monitor):
    response = client_for(monitor).get(reverse("cases:hearing-list"))
    assert b"No hearings recorded yet." in response.content


def test_sorting(client_for, monitor):
    early = make_hearing(case=make_case(reference="B-1"), scheduled_at=at(2024, 1, 1, 8))
    late = make_hearing(case=make_case(reference="A-1"), scheduled_at=at(2024, 2, 1, 8))
    client = client_for(monitor)

    def order(query):
        return list(client.get(reverse("cases:hearing-list") + query).context["object_list"])

    assert order("?o=scheduled") == [early, late]
    assert order("?o=-scheduled") == [late, early]
    assert order("?o=case") == [late, early]


# Query counts


def test_list_query_count_does_not_grow_with_rows(client_for, monitor, case, court):
    client = client_for(monitor)
    url = reverse("cases:hearing-list")
    make_hearing(case=case, court=court, monitor=monitor)
    client.get(url)
    one = count_queries(client, url)
    for n in range(11):
        make_hearing(
            case=make_case(monitors=[monitor]),
            court=make_court(),
            monitor=make_user("monitor"),
            scheduled_at=at(2024, 1, n + 1, 8),
        )
    many = count_queries(client, url)
    assert many == one


def test_detail_query_count_is_bounded(client_for, monitor, hearing, django_assert_max_num_queries):
    client = client_for(monitor)
    client.post(reverse("cases:hearing-update", args=[hearing.pk]), outcome_data(hearing))
    with django_assert_max_num_queries(10):
        response = client.get(hearing.get_absolute_url())
    assert response.status_code == 200


def test_a_next_hearing_that_cannot_move_is_explained_and_nothing_saved(
    client_for, monitor, hearing
):
    client = client_for(monitor)
    url = reverse("cases:hearing-update", args=[hearing.pk])
    client.post(url, outcome_data(hearing))
    following = Hearing.objects.get(previous=hearing)
    Hearing.objects.filter(pk=following.pk).update(next_hearing_at=at(2024, 4, 10, 8, 0))

    response = client.post(url, outcome_data(hearing, next_hearing_at="2024-04-20T08:00"))

    assert response.status_code == 200
    assert response.context["form"].errors["next_hearing_at"]
    assert b'value="2024-04-20T08:00"' in response.content
    hearing.refresh_from_db()
    following.refresh_from_db()
    assert hearing.next_hearing_at == at(2024, 4, 2, 8, 0)
    assert following.scheduled_at == at(2024, 4, 2, 8, 0)
