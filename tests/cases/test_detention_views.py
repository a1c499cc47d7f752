"""Detention screens: the permission ladder, create under a case, bad input, the release and
next-stage actions, filters, sorting, protected names and query counts."""

import datetime as dt
import types

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, include, path, reverse

from cases.models import Detention, DetentionExtension
from cases.views import detentions as views
from tests.factories import (
    make_case,
    make_detention,
    make_extension,
    make_facility,
    make_party,
    make_person,
)

pytestmark = pytest.mark.django_db

ACTION_PATTERNS = [
    path(
        "detentions/<int:pk>/release/", views.DetentionRelease.as_view(), name="detention-release"
    ),
    path(
        "detentions/<int:pk>/transition/",
        views.DetentionTransition.as_view(),
        name="detention-transition",
    ),
]


@pytest.fixture(autouse=True)
def action_urls(settings):
    """Route the release and next-stage views, until cases/urls.py does."""
    try:
        reverse("cases:detention-release", args=[1])
        reverse("cases:detention-transition", args=[1])
    except NoReverseMatch:
        import monitoring.urls as project
        from cases import urls as case_urls

        urlconf = types.ModuleType("detention_test_urls")
        urlconf.urlpatterns = [
            pattern
            for pattern in project.urlpatterns
            if getattr(pattern, "app_name", "") != "cases"
        ] + [path("", include((case_urls.urlpatterns + ACTION_PATTERNS, "cases")))]
        settings.ROOT_URLCONF = urlconf


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def detention_urls(detention, extension):
    """Return every URL about one detention, with the method each answers."""
    return [
        ("get", reverse("cases:detention-detail", args=[detention.pk])),
        ("get", reverse("cases:detention-update", args=[detention.pk])),
        ("get", reverse("cases:detention-delete", args=[detention.pk])),
        ("get", reverse("cases:detention-create", args=[detention.case_id])),
        ("get", reverse("cases:extension-create", args=[detention.pk])),
        ("get", reverse("cases:extension-update", args=[extension.pk])),
        ("get", reverse("cases:extension-delete", args=[extension.pk])),
        ("post", reverse("cases:detention-release", args=[detention.pk])),
        ("post", reverse("cases:detention-transition", args=[detention.pk])),
    ]


def write_urls(detention, extension):
    return [(m, u) for m, u in detention_urls(detention, extension) if "/delete/" not in u][1:]


def valid_detention(person, **overrides):
    data = {
        "person": person.pk,
        "kind": "pretrial",
        "started_on": "2023-02-01",
        "started_precision": "day",
        "ended_precision": "day",
        "source": "Court file",
    }
    return {**data, **overrides}


# The permission ladder


def test_anonymous_is_sent_to_login(client):
    extension = make_extension()
    detention = extension.detention
    urls = [*detention_urls(detention, extension), ("get", reverse("cases:detention-list"))]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_detention_in_a_restricted_case_is_not_found_by_those_who_cannot_see_it(
    client_for, monitor, other_monitor, exporter
):
    case = make_case(restricted=True, monitors=[other_monitor])
    person = make_person(name="Hidden Detainee")
    make_party(case=case, person=person)
    detention = make_detention(person=person, case=case)
    extension = make_extension(detention=detention)
    for user in (monitor, exporter):
        client = client_for(user)
        for method, url in detention_urls(detention, extension):
            assert getattr(client, method)(url).status_code == 404, (user, url)
        listing = client.get(reverse("cases:detention-list")).content.decode()
        assert "Hidden Detainee" not in listing
    assignee = client_for(other_monitor)
    assert assignee.get(reverse("cases:detention-detail", args=[detention.pk])).status_code == 200


def test_exporter_reads_but_every_write_is_forbidden(client_for, exporter):
    extension = make_extension()
    detention = extension.detention
    client = client_for(exporter)
    assert client.get(reverse("cases:detention-list")).status_code == 200
    page = client.get(reverse("cases:detention-detail", args=[detention.pk]))
    assert page.status_code == 200
    assert reverse("cases:detention-update", args=[detention.pk]) not in page.content.decode()
    for method, url in write_urls(detention, extension):
        assert getattr(client, method)(url).status_code == 403, url
    for url in (
        reverse("cases:detention-delete", args=[detention.pk]),
        reverse("cases:extension-delete", args=[extension.pk]),
    ):
        assert client.post(url).status_code == 403


def test_unassigned_monitor_sees_a_normal_case_but_may_not_write_to_it(client_for, monitor):
    extension = make_extension()
    detention = extension.detention
    client = client_for(monitor)
    page = client.get(reverse("cases:detention-detail", args=[detention.pk]))
    assert page.status_code == 200
    assert reverse("cases:detention-update", args=[detention.pk]) not in page.content.decode()
    for method, url in write_urls(detention, extension):
        assert getattr(client, method)(url).status_code == 403, url
    response = client.post(
        reverse("cases:detention-create", args=[detention.case_id]),
        valid_detention(detention.person),
    )
    assert response.status_code == 403
    assert Detention.objects.count() == 1


def test_assigned_monitor_creates_and_edits_a_detention(client_for, monitor):
    case = make_case(monitors=[monitor])
    person = make_party(case=case).person
    facility = make_facility(name="Prey Sar")
    client = client_for(monitor)
    create = reverse("cases:detention-create", args=[case.pk])
    assert client.get(create).status_code == 200

    response = client.post(create, valid_detention(person, facility=facility.pk))
    detention = Detention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detention.get_absolute_url()
    assert (detention.case, detention.person, detention.facility) == (case, person, facility)

    update = reverse("cases:detention-update", args=[detention.pk])
    assert client.get(update).status_code == 200
    response = client.post(
        update,
        valid_detention(
            person,
            started_on="2023-02",
            started_precision="month",
            ended_on="2023-08-01",
            end_reason="bail",
            ill_treatment_notes="Beaten during interrogation",
            version=detention.version,
        ),
    )
    # "2023-02" is not a date: the form says so rather than guessing.
    assert response.status_code == 200
    response = client.post(
        update,
        valid_detention(
            person,
            started_on="2023-02-01",
            started_precision="month",
            ended_on="2023-08-01",
            end_reason="bail",
            ill_treatment_notes="Beaten during interrogation",
            version=detention.version,
        ),
    )
    assert response.status_code == 302
    detention.refresh_from_db()
    assert str(detention.started) == "February 2023"
    assert detention.end_reason == "bail"
    assert detention.ill_treatment_alleged  # notes imply the allegation


def test_monitor_may_never_delete(client_for, monitor):
    case = make_case(monitors=[monitor])
    extension = make_extension(
        detention=make_detention(case=case, person=make_party(case=case).person)
    )
    client = client_for(monitor)
    for url in (
        reverse("cases:detention-delete", args=[extension.detention_id]),
        reverse("cases:extension-delete", args=[extension.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert DetentionExtension.objects.count() == 1
    page = client.get(reverse("cases:detention-detail", args=[extension.detention_id]))
    assert reverse("cases:detention-delete", args=[extension.detention_id]) not in (
        page.content.decode()
    )


def test_supervisor_deletes_a_detention_after_confirmation(client_for, supervisor):
    detention = make_detention()
    make_extension(detention=detention)
    client = client_for(supervisor)
    url = reverse("cases:detention-delete", args=[detention.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case-detail", args=[detention.case_id])
    assert not Detention.objects.exists() and not DetentionExtension.objects.exists()


def test_supervisor_deletes_an_extension_after_confirmation(client_for, supervisor):
    extension = make_extension()
    client = client_for(supervisor)
    url = reverse("cases:extension-delete", args=[extension.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert extension.detention.get_absolute_url() in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(extension.detention.get_absolute_url())
    assert not DetentionExtension.objects.exists()


def test_detention_without_a_case_is_editable_by_a_monitor_who_sees_the_person(client_for, monitor):
    person = make_person()
    detention = make_detention(person=person, case=None)
    client = client_for(monitor)
    page = client.get(detention.get_absolute_url())
    assert page.status_code == 200
    assert reverse("cases:detention-update", args=[detention.pk]) in page.content.decode()
    response = client.post(
        reverse("cases:detention-update", args=[detention.pk]),
        valid_detention(person, kind="administrative", version=detention.version),
    )
    assert response.status_code == 302
    detention.refresh_from_db()
    assert detention.kind == "administrative" and detention.case is None
    response = client.post(
        reverse("cases:extension-create", args=[detention.pk]),
        {"ordered_on": "2023-03-01", "months": "0", "days": "0", "hours": "48"},
    )
    assert response.status_code == 302
    assert detention.extensions.get().hours == 48


def test_detention_without_a_case_of_a_hidden_person_is_not_found(client_for, monitor):
    person = make_person()
    make_party(case=make_case(restricted=True), person=person)
    detention = make_detention(person=person, case=None)
    assert client_for(monitor).get(detention.get_absolute_url()).status_code == 404


# Creating under a case


def test_person_must_be_a_party_to_the_case(client_for, monitor):
    case = make_case(monitors=[monitor])
    party = make_party(case=case, person=make_person(name="In The Case"))
    outsider = make_person(name="Not In The Case")
    client = client_for(monitor)
    url = reverse("cases:detention-create", args=[case.pk])
    form = client.get(url).content.decode()
    assert "In The Case" in form and "Not In The Case" not in form
    assert reverse("cases:party-create", args=[case.pk]) in form
    response = client.post(url, valid_detention(outsider))
    assert response.status_code == 200
    assert 'id="id_person_error"' in response.content.decode()
    assert not Detention.objects.exists()
    assert client.post(url, valid_detention(party.person)).status_code == 302


def test_protected_person_appears_under_the_pseudonym(client_for, monitor, supervisor):
    case = make_case(monitors=[monitor])
    person = make_person(name="Real Name", is_protected=True, pseudonym="Witness B")
    make_party(case=case, person=person)
    detention = make_detention(person=person, case=case)
    client = client_for(monitor)
    for url in (
        reverse("cases:detention-list"),
        detention.get_absolute_url(),
        reverse("cases:detention-update", args=[detention.pk]),
        reverse("cases:detention-create", args=[case.pk]),
    ):
        body = client.get(url).content.decode()
        assert "Witness B" in body and "Real Name" not in body, url
    found = client.get(reverse("cases:detention-list"), {"q": "Real"}).content.decode()
    assert "Witness B" not in found
    found = client.get(reverse("cases:detention-list"), {"q": "Witness"}).content.decode()
    assert "Witness B" in found
    assert "Real Name" in client_for(supervisor).get(detention.get_absolute_url()).content.decode()


# Bad input is refused beside the field, the input kept, nothing saved


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"ended_on": "2023-01-15", "end_reason": "bail"},
            "ended_on",
            "cannot end before it starts",
        ),
        ({"end_reason": "bail"}, "ended_on", "Give the end date"),
        (
            {"arrested_at": "2023-02-01T10:00", "custody_arrival_at": "2023-02-01T09:00"},
            "custody_arrival_at",
            "comes after the arrest",
        ),
        (
            {"started_precision": "range", "started_until": "2023-01-01"},
            "started_until",
            "cannot be before the first",
        ),
    ],
)
def test_invalid_detention_is_refused_beside_the_field(
    client_for, monitor, overrides, field, message
):
    case = make_case(monitors=[monitor])
    person = make_party(case=case).person
    data = valid_detention(person, conditions="Typed conditions", **overrides)
    response = client_for(monitor).post(reverse("cases:detention-create", args=[case.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert "Typed conditions" in body
    assert not Detention.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"ordered_on": "2023-05-01", "months": "0", "days": "0", "hours": "0"},
            "months",
            "length",
        ),
        (
            {"ordered_on": "2022-12-01", "months": "2", "days": "0", "hours": "0"},
            "ordered_on",
            "cannot predate the detention",
        ),
    ],
)
def test_invalid_extension_is_refused_beside_the_field(client_for, monitor, data, field, message):
    case = make_case(monitors=[monitor])
    detention = make_detention(case=case, person=make_party(case=case).person)
    response = client_for(monitor).post(
        reverse("cases:extension-create", args=[detention.pk]),
        {**data, "ordered_by": "Judge Typed"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert 'value="Judge Typed"' in body
    assert not DetentionExtension.objects.exists()


def test_extension_is_added_edited_and_listed_on_the_detention(client_for, monitor):
    case = make_case(monitors=[monitor])
    detention = make_detention(case=case, person=make_party(case=case).person)
    client = client_for(monitor)
    response = client.post(
        reverse("cases:extension-create", args=[detention.pk]),
        {
            "ordered_on": "2023-07-15",
            "months": "6",
            "days": "0",
            "hours": "0",
            "ordered_by": "Investigating judge",
            "document": "Order 123",
        },
    )
    assert response.status_code == 302
    extension = DetentionExtension.objects.get()
    page = client.get(detention.get_absolute_url()).content.decode()
    assert "Order 123" in page and "6 months" in page
    assert reverse("cases:extension-update", args=[extension.pk]) in page
    edit = client.get(reverse("cases:extension-update", args=[extension.pk]))
    assert edit.status_code == 200
    assert detention.get_absolute_url() in edit.content.decode()  # "Cancel" goes back
    response = client.post(
        reverse("cases:extension-update", args=[extension.pk]),
        {
            "ordered_on": "2023-07-15",
            "months": "4",
            "days": "0",
            "hours": "0",
            "version": extension.version,
        },
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    assert extension.months == 4


# Release and next stage, from the detail page


def test_release_from_the_detail_page(client_for, monitor):
    case = make_case(monitors=[monitor])
    detention = make_detention(case=case, person=make_party(case=case).person)
    client = client_for(monitor)
    page = client.get(detention.get_absolute_url()).content.decode()
    url = reverse("cases:detention-release", args=[detention.pk])
    assert f'action="{url}"' in page
    assert client.get(url).status_code == 405
    response = client.post(
        url,
        {
            "release-ended_on": "2023-06-02",
            "release-ended_precision": "day",
            "release-end_reason": "bail",
        },
    )
    assert response.status_code == 302
    detention.refresh_from_db()
    assert (detention.ended_on, detention.end_reason) == (dt.date(2023, 6, 2), "bail")
    page = client.get(detention.get_absolute_url()).content.decode()
    assert f'action="{url}"' not in page  # nothing left to release


def test_release_before_the_start_shows_the_error_and_saves_nothing(client_for, monitor):
    case = make_case(monitors=[monitor])
    detention = make_detention(case=case, person=make_party(case=case).person)
    response = client_for(monitor).post(
        reverse("cases:detention-release", args=[detention.pk]),
        {
            "release-ended_on": "2022-06-02",
            "release-ended_precision": "day",
            "release-end_reason": "bail",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_release-ended_on_error"' in body
    assert 'value="2022-06-02"' in body
    detention.refresh_from_db()
    assert detention.ended_on is None


def test_next_stage_from_the_detail_page(client_for, monitor):
    case = make_case(monitors=[monitor])
    prison = make_facility(name="Correctional Centre 2")
    detention = make_detention(case=case, person=make_party(case=case).person)
    response = client_for(monitor).post(
        reverse("cases:detention-transition", args=[detention.pk]),
        {
            "transition-kind": "sentence",
            "transition-started_on": "2023-09-05",
            "transition-facility": prison.pk,
        },
    )
    following = Detention.objects.exclude(pk=detention.pk).get()
    assert response.status_code == 302
    assert response["Location"] == following.get_absolute_url()
    detention.refresh_from_db()
    assert (detention.ended_on, detention.end_reason) == (dt.date(2023, 9, 5), "next_stage")
    assert (following.kind, following.facility) == ("sentence", prison)
    page = client_for(monitor).get(following.get_absolute_url()).content.decode()
    assert detention.get_absolute_url() in page  # the chain over time


def test_next_stage_before_the_start_shows_the_error_and_saves_nothing(client_for, monitor):
    case = make_case(monitors=[monitor])
    detention = make_detention(case=case, person=make_party(case=case).person)
    response = client_for(monitor).post(
        reverse("cases:detention-transition", args=[detention.pk]),
        {"transition-kind": "sentence", "transition-started_on": "2022-01-01"},
    )
    assert response.status_code == 200
    assert 'id="id_transition-started_on_error"' in response.content.decode()
    assert Detention.objects.count() == 1


# Listing: filters, sorting, odd parameters, query counts


def test_list_shows_honest_dates_and_days_so_far(client_for, supervisor):
    make_detention(person=make_person(name="Exact Start"), started_on=dt.date(2024, 1, 1))
    make_detention(
        person=make_person(name="Month Start"),
        started_on=dt.date(2024, 1, 1),
        started_precision="month",
    )
    make_detention(
        person=make_person(name="Released"),
        started_on=dt.date(2023, 1, 1),
        ended_on=dt.date(2023, 2, 1),
        end_reason="bail",
    )
    with time_machine.travel(dt.datetime(2024, 1, 11, 12, 0), tick=False):
        body = client_for(supervisor).get(reverse("cases:detention-list")).content.decode()
    assert "10 days" in body
    assert "January 2024" in body and "between 0 and 10 days" in body
    assert "Released on bail" in body


def test_filters_and_sorting(client_for, supervisor):
    cc1 = make_facility(name="CC1", province="phnom_penh")
    kampot = make_facility(name="Kampot Prison", province="kampot")
    make_detention(
        person=make_person(name="Kem Sokha"),
        kind="pretrial",
        facility=cc1,
        started_on=dt.date(2023, 1, 10),
    )
    make_detention(
        person=make_person(name="Chhim Sithar"),
        kind="sentence",
        facility=kampot,
        started_on=dt.date(2023, 5, 1),
        ended_on=dt.date(2023, 9, 1),
        end_reason="sentence_served",
        ill_treatment_alleged=True,
    )
    client = client_for(supervisor)
    url = reverse("cases:detention-list")

    def names(params):
        body = client.get(url, params).content.decode()
        return {n for n in ("Kem Sokha", "Chhim Sithar") if n in body}

    assert names({"q": "sokha"}) == {"Kem Sokha"}
    assert names({"kind": "sentence"}) == {"Chhim Sithar"}
    assert names({"facility": cc1.pk}) == {"Kem Sokha"}
    assert names({"province": "kampot"}) == {"Chhim Sithar"}
    assert names({"ended": "true"}) == {"Chhim Sithar"}
    assert names({"ended": "false"}) == {"Kem Sokha"}
    assert names({"ill_treatment_alleged": "true"}) == {"Chhim Sithar"}
    assert names({"current": "2023-06-01"}) == {"Kem Sokha", "Chhim Sithar"}
    assert names({"detained_on": "2023-02-01"}) == {"Kem Sokha"}
    assert names({"current": "true"}) == {"Kem Sokha"}
    assert names({"current": "false"}) == {"Chhim Sithar"}
    assert names({"started_after": "2023-03-01"}) == {"Chhim Sithar"}
    assert names({"started_before": "2023-03-01"}) == {"Kem Sokha"}
    ordered = client.get(url, {"o": "person"}).content.decode()
    assert ordered.index("Chhim Sithar") < ordered.index("Kem Sokha")
    ordered = client.get(url, {"o": "-started"}).content.decode()
    assert ordered.index("Chhim Sithar") < ordered.index("Kem Sokha")
    empty = client.get(url, {"q": "nobody"}).content.decode()
    assert "No detention matches these filters" in empty


def test_case_filter_matches_reference_or_id(client_for, supervisor):
    mine = make_detention(person=make_person(name="In Case A"), case=make_case(reference="A-1"))
    make_detention(person=make_person(name="In Case B"), case=make_case(reference="B-2"))
    client = client_for(supervisor)
    for value in ("a-1", str(mine.case_id)):
        body = client.get(reverse("cases:detention-list"), {"case": value}).content.decode()
        assert "In Case A" in body and "In Case B" not in body


def test_fuzzy_start_is_kept_by_a_range_it_may_fall_in(client_for, supervisor):
    make_detention(
        person=make_person(name="Sometime In March"),
        started_on=dt.date(2023, 3, 1),
        started_precision="month",
    )
    client = client_for(supervisor)
    url = reverse("cases:detention-list")
    params = {"started_after": "2023-03-15", "started_before": "2023-03-20"}
    assert "Sometime In March" in client.get(url, params).content.decode()
    assert (
        "Sometime In March" not in client.get(url, {"started_after": "2023-04-01"}).content.decode()
    )


@pytest.mark.parametrize(
    "params",
    [
        {"o": "bogus"},
        {"page": "999"},
        {"page": "x"},
        {"started_after": "not-a-date"},
        {"detained_on": "2023-13-45"},
        {"current": "sometimes"},
        {"facility": "abc"},
        {"kind": "nonsense"},
        {"ended": "maybe"},
    ],
)
def test_odd_parameters_never_answer_500(client_for, supervisor, params):
    make_detention(person=make_person(name="Still Listed"))
    response = client_for(supervisor).get(reverse("cases:detention-list"), params)
    assert response.status_code == 200
    if "page" in params or "o" in params:
        assert "Still Listed" in response.content.decode()


def test_list_queries_do_not_grow_with_rows(client_for, supervisor):
    client = client_for(supervisor)
    make_detention(facility=make_facility())
    one = count_queries(client, reverse("cases:detention-list"))
    for _ in range(12):
        make_detention(facility=make_facility())
    assert count_queries(client, reverse("cases:detention-list")) == one
    sorted_one = count_queries(client, reverse("cases:detention-list"), {"o": "person"})
    assert sorted_one == one


def test_list_queries_do_not_grow_for_a_monitor(client_for, monitor):
    client = client_for(monitor)
    make_detention(case=None, person=make_person(is_protected=True))
    one = count_queries(client, reverse("cases:detention-list"))
    for _ in range(12):
        make_detention()
        make_detention(case=make_case(restricted=True))
        make_detention(case=None, person=make_person(is_protected=True))
    assert count_queries(client, reverse("cases:detention-list")) == one


def test_detail_queries_are_bounded(client_for, supervisor):
    client = client_for(supervisor)
    detention = make_detention()
    make_extension(detention=detention)
    url = detention.get_absolute_url()
    one = count_queries(client, url)
    for month in range(2, 10):
        make_extension(detention=detention, ordered_on=dt.date(2023, month, 1))
        make_detention(person=detention.person, case=detention.case, facility=make_facility())
    assert count_queries(client, url) == one


def test_time_detained_is_honest_about_fuzzy_starts():
    today = dt.date(2024, 3, 31)
    exact = Detention(started_on=dt.date(2024, 3, 1))
    month = Detention(
        started_on=dt.date(2024, 3, 1),
        started_precision="month",
        started_until=dt.date(2024, 3, 31),
    )
    after = Detention(started_on=dt.date(2024, 3, 1), started_precision="after")
    ended = Detention(started_on=dt.date(2024, 3, 1), ended_on=dt.date(2024, 3, 2))
    future = Detention(started_on=dt.date(2024, 4, 1), started_until=dt.date(2024, 4, 1))
    assert views.time_detained(exact, today) == "30 days"
    assert views.time_detained(month, today) == "between 0 and 30 days"
    assert views.time_detained(after, today) == "at most 30 days"
    assert views.time_detained(ended, today) == ""
    assert views.time_detained(future, today) == ""
