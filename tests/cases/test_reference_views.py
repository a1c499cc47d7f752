"""Reference screens (groups, organisations, courts, facilities): the permission ladder,
deletes refused while in use, filters, sorting, what each detail page shows to whom, and
query counts."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Court, DetentionFacility, Organisation, Person, PersonGroup
from cases.views.reference import occupancy_percent, summarise_group
from tests.factories import (
    make_affiliation,
    make_case,
    make_court,
    make_detention,
    make_facility,
    make_followup,
    make_hearing,
    make_organisation,
    make_party,
    make_person,
    make_person_group,
)

pytestmark = pytest.mark.django_db

# URL name prefix: factory, valid form data
KINDS = {
    "group": (make_person_group, {"label": "Borey Keila evictees"}),
    "organisation": (make_organisation, {"name": "LICADHO", "kind": "ngo"}),
    "court": (make_court, {"name": "Kampot Provincial Court", "level": "first_instance"}),
    "facility": (make_facility, {"name": "Kampot Prison", "kind": "prison", "capacity": "300"}),
}
MODELS = {
    "group": PersonGroup,
    "organisation": Organisation,
    "court": Court,
    "facility": DetentionFacility,
}
MONITOR_WRITES = {"group", "organisation"}


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def urls(kind, obj):
    return {
        "list": reverse(f"cases:{kind}-list"),
        "detail": reverse(f"cases:{kind}-detail", args=[obj.pk]),
        "create": reverse(f"cases:{kind}-create"),
        "update": reverse(f"cases:{kind}-update", args=[obj.pk]),
        "delete": reverse(f"cases:{kind}-delete", args=[obj.pk]),
    }


# The permission ladder


@pytest.mark.parametrize("kind", KINDS)
def test_anonymous_is_sent_to_login(client, kind):
    make, _ = KINDS[kind]
    for url in urls(kind, make()).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["monitor", "exporter", "supervisor"])
def test_every_role_reads_reference_data(request, client_for, kind, role):
    make, _ = KINDS[kind]
    obj = make()
    client = client_for(request.getfixturevalue(role))
    assert client.get(urls(kind, obj)["list"]).status_code == 200
    assert client.get(urls(kind, obj)["detail"]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_exporter_may_not_write(client_for, exporter, kind):
    make, data = KINDS[kind]
    obj = make()
    client = client_for(exporter)
    pages = urls(kind, obj)
    for name in ("create", "update", "delete"):
        assert client.get(pages[name]).status_code == 403
        assert client.post(pages[name], data).status_code == 403
    assert MODELS[kind].objects.count() == 1
    body = client.get(pages["list"]).content.decode()
    assert pages["create"] not in body


@pytest.mark.parametrize("kind", KINDS)
def test_monitor_writes_groups_and_organisations_only_and_never_deletes(client_for, monitor, kind):
    make, data = KINDS[kind]
    obj = make()
    client = client_for(monitor)
    pages = urls(kind, obj)
    expected = 200 if kind in MONITOR_WRITES else 403
    assert client.get(pages["create"]).status_code == expected
    assert client.get(pages["update"]).status_code == expected
    response = client.post(pages["create"], data)
    assert response.status_code == (302 if kind in MONITOR_WRITES else 403)
    assert client.get(pages["delete"]).status_code == 403
    assert client.post(pages["delete"]).status_code == 403
    assert MODELS[kind].objects.filter(pk=obj.pk).exists()
    listing = client.get(pages["list"]).content.decode()
    assert (pages["create"] in listing) == (kind in MONITOR_WRITES)
    detail = client.get(pages["detail"]).content.decode()
    assert (pages["update"] in detail) == (kind in MONITOR_WRITES)
    assert pages["delete"] not in detail


@pytest.mark.parametrize("kind", KINDS)
def test_supervisor_creates_edits_and_deletes_after_confirmation(client_for, supervisor, kind):
    data = KINDS[kind][1]
    client = client_for(supervisor)
    response = client.post(reverse(f"cases:{kind}-create"), data)
    assert response.status_code == 302
    obj = MODELS[kind].objects.get()
    assert response["Location"] == obj.get_absolute_url()
    pages = urls(kind, obj)
    assert client.get(pages["update"]).status_code == 200
    assert client.post(pages["update"], {**data, "version": obj.version}).status_code == 302
    page = client.get(pages["delete"])
    assert page.status_code == 200 and str(obj) in page.content.decode()
    response = client.post(pages["delete"])
    assert response.status_code == 302 and response["Location"] == pages["list"]
    assert not MODELS[kind].objects.exists()


def in_use(kind):
    """Return a reference row that another record points to with PROTECT."""
    if kind == "group":
        group = make_person_group()
        make_person(group=group)
        return group
    if kind == "organisation":
        return make_affiliation().organisation
    if kind == "court":
        return make_case(court=make_court()).court
    return make_detention(facility=make_facility()).facility


@pytest.mark.parametrize("kind", KINDS)
def test_deleting_a_row_in_use_is_refused_with_a_message(client_for, supervisor, kind):
    obj = in_use(kind)
    response = client_for(supervisor).post(
        reverse(f"cases:{kind}-delete", args=[obj.pk]), follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == obj.get_absolute_url()
    assert "cannot be deleted while other records refer to it" in response.content.decode()
    assert MODELS[kind].objects.filter(pk=obj.pk).exists()


def test_missing_row_is_not_found(client_for, supervisor):
    for kind in KINDS:
        assert client_for(supervisor).get(f"{reverse(f'cases:{kind}-list')}999/").status_code == 404


# Bad input


def test_invalid_facility_is_refused_beside_the_field_and_input_kept(client_for, supervisor):
    response = client_for(supervisor).post(
        reverse("cases:facility-create"),
        {"name": "Typed Prison", "kind": "prison", "capacity": "0"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_capacity_error"' in body
    assert 'value="Typed Prison"' in body
    assert not DetentionFacility.objects.exists()


def test_duplicate_organisation_name_is_refused_beside_the_field(client_for, monitor):
    make_organisation(name="CNRP")
    response = client_for(monitor).post(
        reverse("cases:organisation-create"), {"name": "CNRP", "kind": "party"}
    )
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    assert Organisation.objects.count() == 1


# Lists: filters, sorting, odd parameters, query counts


def test_list_filters_and_sorting(client_for, supervisor):
    client = client_for(supervisor)
    make_court(name="Appeal Court", level="appeal", province="phnom_penh")
    make_court(name="Kampot Court", level="first_instance", province="kampot")
    url = reverse("cases:court-list")
    body = client.get(url, {"province": "kampot"}).content.decode()
    assert "Kampot Court" in body and "Appeal Court" not in body
    body = client.get(url, {"level": "appeal"}).content.decode()
    assert "Appeal Court" in body and "Kampot Court" not in body
    body = client.get(url, {"o": "-name"}).content.decode()
    assert body.index("Kampot Court") < body.index("Appeal Court")
    body = client.get(url, {"q": "nothing like it"}).content.decode()
    assert "No court matches these filters" in body

    make_organisation(name="Cambodian Center for Human Rights", acronym="CCHR", kind="ngo")
    make_organisation(name="Candlelight Party", kind="party")
    url = reverse("cases:organisation-list")
    body = client.get(url, {"q": "cchr"}).content.decode()
    assert "Cambodian Center" in body and "Candlelight" not in body
    body = client.get(url, {"kind": "party"}).content.decode()
    assert "Candlelight" in body and "Cambodian Center" not in body

    make_facility(name="Big Prison", kind="prison", province="kampot", capacity=900)
    make_facility(name="Small Station", kind="police_station", province="takeo", capacity=10)
    url = reverse("cases:facility-list")
    body = client.get(url, {"kind": "police_station"}).content.decode()
    assert "Small Station" in body and "Big Prison" not in body
    body = client.get(url, {"o": "capacity"}).content.decode()
    assert body.index("Small Station") < body.index("Big Prison")

    big = make_person_group(label="Big group")
    for _ in range(3):
        make_person(group=big)
    make_person(group=make_person_group(label="Small group"))
    body = client.get(reverse("cases:group-list"), {"o": "-members"}).content.decode()
    assert body.index("Big group") < body.index("Small group")


def test_empty_lists_say_so(client_for, supervisor):
    client = client_for(supervisor)
    assert "No courts recorded yet" in client.get(reverse("cases:court-list")).content.decode()
    assert "Add the first facility" in client.get(reverse("cases:facility-list")).content.decode()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "params",
    [
        {"o": "bogus"},
        {"page": "999"},
        {"page": "x"},
        {"kind": "nonsense"},
        {"province": "atlantis"},
        {"level": "0"},
    ],
)
def test_odd_parameters_never_answer_500(client_for, supervisor, kind, params):
    make, _ = KINDS[kind]
    obj = make()
    response = client_for(supervisor).get(reverse(f"cases:{kind}-list"), params)
    assert response.status_code == 200
    if set(params) & {"o", "page"}:
        assert obj.get_absolute_url() in response.content.decode()


def add_rows(kind, n):
    """Add rows with what each list counts or shows beside them."""
    for _ in range(n):
        if kind == "group":
            make_person(group=make_person_group())
        elif kind == "organisation":
            make_organisation(acronym="X")
        elif kind == "court":
            make_case(court=make_court())
        else:
            make_detention(facility=make_facility())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["monitor", "supervisor"])
def test_list_queries_do_not_grow_with_rows(request, client_for, kind, role):
    client = client_for(request.getfixturevalue(role))
    url = reverse(f"cases:{kind}-list")
    add_rows(kind, 1)
    one = count_queries(client, url)
    add_rows(kind, 12)
    assert count_queries(client, url) == one


# Detail pages


def test_group_summary_reads_like_the_report(client_for, monitor):
    group = make_person_group(label="Seam Pluk and others")
    make_person(name="Seam Pluk", group=group, sex="man")
    for _ in range(2):
        make_person(name="Unnamed woman", is_named=False, group=group, sex="woman")
    for _ in range(10):
        make_person(name="Unnamed man", is_named=False, group=group, sex="man")
    body = client_for(monitor).get(group.get_absolute_url()).content.decode()
    assert "Seam Pluk and 12 others (2 women and 10 men)" in body


def test_group_summary_counts_minors_at_first_detention():
    group = make_person_group()
    today = dt.date(2024, 1, 1)
    child = make_person(group=group, sex="woman", birth_on=dt.date(2010, 5, 1))
    arrested_young = make_person(group=group, sex="man", birth_on=dt.date(2004, 6, 1))
    make_detention(person=arrested_young, started_on=dt.date(2021, 1, 1))
    make_person(group=group, sex="man", birth_on=dt.date(1980, 1, 1))
    make_person(group=group, sex="unknown")
    members = list(Person.objects.filter(group=group).order_by("pk"))
    for member in members:
        member.first_detained = dt.date(2021, 1, 1) if member == arrested_young else None
    summary = summarise_group(members, user=None, today=today)
    assert (summary.total, summary.women, summary.men, summary.unknown_sex) == (4, 1, 2, 1)
    assert (summary.minors, summary.minors_unknown) == (2, 1)
    assert child.is_minor_on(today)
    assert summary.line.startswith("Person")


def test_group_detail_hides_members_in_hidden_cases(client_for, monitor):
    group = make_person_group()
    make_person(name="Visible Member", group=group)
    hidden = make_person(name="Hidden Member", group=group)
    make_party(case=make_case(restricted=True), person=hidden)
    body = client_for(monitor).get(group.get_absolute_url()).content.decode()
    assert "Visible Member" in body and "Hidden Member" not in body


def test_group_detail_queries_do_not_grow_with_members(client_for, monitor):
    group = make_person_group()
    make_person(group=group, sex="woman")
    client = client_for(monitor)
    one = count_queries(client, group.get_absolute_url())
    for _ in range(12):
        member = make_person(group=group, is_named=False, sex="man", is_protected=True)
        make_detention(person=member)
    assert count_queries(client, group.get_absolute_url()) == one


def test_organisation_detail_shows_people_cases_and_followups(client_for, monitor):
    organisation = make_organisation(name="Ministry of Justice", kind="government")
    make_affiliation(
        organisation=organisation,
        person=make_person(name="Real Official", is_protected=True, pseudonym="Official A"),
        position="Spokesperson",
    )
    case = make_case(title="Visible Case")
    make_party(case=case, organisation=organisation, role="complainant")
    make_followup(case=case, addressed_to=organisation, description="Letter about detention")
    hidden = make_case(title="Hidden Case", restricted=True)
    make_party(case=hidden, organisation=organisation, role="complainant")
    make_followup(case=hidden, addressed_to=organisation, description="Secret letter")
    body = client_for(monitor).get(organisation.get_absolute_url()).content.decode()
    assert "Official A" in body and "Real Official" not in body
    assert "Visible Case" in body and "Letter about detention" in body
    assert "Hidden Case" not in body and "Secret letter" not in body


def test_organisation_detail_queries_are_bounded(client_for, supervisor):
    organisation = make_organisation()
    make_affiliation(organisation=organisation)
    make_party(organisation=organisation, role="complainant")
    make_followup(addressed_to=organisation)
    client = client_for(supervisor)
    one = count_queries(client, organisation.get_absolute_url())
    for _ in range(6):
        make_affiliation(organisation=organisation)
        make_party(organisation=organisation, role="complainant")
        make_followup(addressed_to=organisation)
    assert count_queries(client, organisation.get_absolute_url()) == one


def test_court_detail_shows_cases_and_upcoming_hearings(client_for, monitor):
    court = make_court(name="Phnom Penh Court")
    case = make_case(title="Treason trial", court=court)
    soon = timezone.now() + dt.timedelta(days=3)
    make_hearing(case=case, scheduled_at=soon)
    make_hearing(case=case, scheduled_at=timezone.now() - dt.timedelta(days=3), status="held")
    elsewhere = make_case(title="Heard elsewhere", court=court)
    make_hearing(case=elsewhere, court=make_court(), scheduled_at=soon)
    make_case(title="Hidden trial", court=court, restricted=True)
    body = client_for(monitor).get(court.get_absolute_url()).content.decode()
    assert "Treason trial" in body and "Hidden trial" not in body
    assert len(re.findall(r"/hearings/\d+/", body)) == 1


def test_court_detail_queries_are_bounded(client_for, supervisor):
    court = make_court()
    make_hearing(case=make_case(court=court), scheduled_at=timezone.now() + dt.timedelta(days=1))
    client = client_for(supervisor)
    one = count_queries(client, court.get_absolute_url())
    for day in range(2, 10):
        make_hearing(
            case=make_case(court=court), scheduled_at=timezone.now() + dt.timedelta(days=day)
        )
    assert count_queries(client, court.get_absolute_url()) == one


def test_facility_detail_shows_who_is_detained_now_against_capacity(client_for, monitor):
    facility = make_facility(name="CC1", capacity=4)
    make_detention(person=make_person(name="Detained Now"), facility=facility)
    make_detention(person=make_person(name="Also Now"), facility=facility)
    make_detention(
        person=make_person(name="Released Before"),
        facility=facility,
        ended_on=dt.date(2023, 3, 1),
        end_reason="bail",
    )
    make_detention(
        person=make_person(name="Hidden Detainee"),
        facility=facility,
        case=make_case(restricted=True),
    )
    body = client_for(monitor).get(facility.get_absolute_url()).content.decode()
    assert "Detained Now" in body and "Also Now" in body
    assert "Released Before" not in body and "Hidden Detainee" not in body
    assert "2 of a capacity of 4" in body and "50% of capacity" in body


def test_occupancy_is_unknown_without_capacity():
    assert occupancy_percent(3, None) is None
    assert occupancy_percent(3, 2) == 150


def test_facility_detail_queries_do_not_grow_with_detainees(client_for, monitor):
    facility = make_facility()
    make_detention(facility=facility)
    client = client_for(monitor)
    one = count_queries(client, facility.get_absolute_url())
    for _ in range(12):
        make_detention(facility=facility, person=make_person(is_protected=True))
        make_detention(facility=facility, case=None)
    assert count_queries(client, facility.get_absolute_url()) == one
