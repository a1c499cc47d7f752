"""Trial outcome screens: the permission ladder, display, filters, bad input, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseParty, TrialOutcome
from tests.factories import (
    make_case,
    make_court,
    make_organisation,
    make_outcome,
    make_party,
    make_person,
    make_user,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def urls_of(outcome) -> dict[str, str]:
    return {
        "list": reverse("cases:outcome-list"),
        "detail": reverse("cases:outcome-detail", args=[outcome.pk]),
        "create": reverse("cases:outcome-create", args=[outcome.party_id]),
        "update": reverse("cases:outcome-update", args=[outcome.pk]),
        "delete": reverse("cases:outcome-delete", args=[outcome.pk]),
    }


@pytest.fixture
def court():
    return make_court(name="Phnom Penh Municipal Court")


@pytest.fixture
def party(monitor, court):
    case = make_case(monitors=[monitor], court=court, reference="PP-2023-007")
    return make_party(case=case, person=make_person(name="Kem Sokha"))


@pytest.fixture
def outcome(party, court):
    return make_outcome(party=party, court=court, verdict_on=dt.date(2023, 3, 3))


@pytest.fixture
def hidden_outcome(other_monitor):
    return make_outcome(party=make_party(case=make_case(restricted=True, monitors=[other_monitor])))


def form_data(**kw):
    data = {
        "instance": "first",
        "verdict": "convicted",
        "verdict_on": "2023-05-25",
        "verdict_precision": "day",
        "verdict_until": "",
        "sentence_months": "24",
        "suspended_months": "",
        "fine_amount": "",
        "fine_currency": "",
        "damages_amount": "",
        "damages_currency": "",
        "appeal_filed_on": "",
        "appeal_filed_precision": "day",
        "appeal_filed_until": "",
        "appealed_by": "",
    }
    data.update(kw)
    return data


# The permission ladder


@pytest.mark.parametrize("name", ["list", "detail", "create", "update", "delete"])
def test_anonymous_is_sent_to_login(client, outcome, name):
    response = client.get(urls_of(outcome)[name])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["monitor", "exporter"])
@pytest.mark.parametrize("name", ["detail", "create", "update", "delete"])
def test_an_outcome_in_a_hidden_case_answers_404(client_for, hidden_outcome, role, name):
    client = client_for(make_user(role))
    url = urls_of(hidden_outcome)[name]
    assert client.get(url).status_code == 404
    if name != "detail":
        assert client.post(url, form_data(instance="appeal")).status_code == 404
    assert TrialOutcome.objects.count() == 1


def test_a_hidden_outcome_is_not_listed(client_for, monitor, hidden_outcome):
    response = client_for(monitor).get(reverse("cases:outcome-list"))
    assert list(response.context["object_list"]) == []


def test_only_a_defendant_gets_an_outcome(client_for, monitor, party):
    victim = make_party(case=party.case, role=CaseParty.Role.VICTIM)
    url = reverse("cases:outcome-create", args=[victim.pk])
    assert client_for(monitor).get(url).status_code == 404
    assert client_for(monitor).post(url, form_data()).status_code == 404
    assert not TrialOutcome.objects.exists()


@pytest.mark.parametrize("name", ["create", "update", "delete"])
def test_exporter_reads_but_cannot_write(client_for, exporter, outcome, name):
    client = client_for(exporter)
    assert client.get(urls_of(outcome)["detail"]).status_code == 200
    assert client.get(urls_of(outcome)[name]).status_code == 403
    assert client.post(urls_of(outcome)[name], form_data(instance="appeal")).status_code == 403
    assert TrialOutcome.objects.count() == 1


@pytest.mark.parametrize("name", ["create", "update"])
def test_unassigned_monitor_cannot_write_to_a_normal_case(client_for, other_monitor, outcome, name):
    client = client_for(other_monitor)
    assert client.get(urls_of(outcome)["detail"]).status_code == 200
    assert client.get(urls_of(outcome)[name]).status_code == 403
    response = client.post(urls_of(outcome)[name], form_data(instance="appeal", verdict="upheld"))
    assert response.status_code == 403
    assert list(TrialOutcome.objects.values_list("verdict", flat=True)) == ["convicted"]


def test_assigned_monitor_records_and_edits_an_outcome(client_for, monitor, party, court):
    client = client_for(monitor)
    url = reverse("cases:outcome-create", args=[party.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"]["court"].value() == court.pk
    assert b"Kem Sokha" in response.content

    response = client.post(
        url,
        form_data(
            court=court.pk,
            verdict_on="2023-05-10",
            verdict_precision="month",
            sentence_months="30",
            suspended_months="6",
            fine_amount="2000000",
            fine_currency="KHR",
        ),
    )

    outcome = TrialOutcome.objects.get()
    assert response.status_code == 302
    assert response["Location"] == outcome.get_absolute_url()
    assert outcome.party == party
    assert outcome.verdict_on == dt.date(2023, 5, 1)
    assert outcome.fine_amount == Decimal("2000000")

    update = reverse("cases:outcome-update", args=[outcome.pk])
    assert client.get(update).status_code == 200
    response = client.post(
        update, form_data(court=court.pk, sentence_months="36", version=outcome.version)
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.sentence_months == 36


def test_monitor_cannot_delete(client_for, monitor, outcome):
    client = client_for(monitor)
    assert client.get(urls_of(outcome)["delete"]).status_code == 403
    assert client.post(urls_of(outcome)["delete"]).status_code == 403
    assert TrialOutcome.objects.filter(pk=outcome.pk).exists()


def test_supervisor_deletes_after_confirmation(client_for, supervisor, outcome):
    client = client_for(supervisor)
    url = urls_of(outcome)["delete"]
    response = client.get(url)
    assert response.status_code == 200
    assert b"Yes, delete" in response.content
    assert b"Kem Sokha" in response.content

    response = client.post(url, follow=True)

    assert response.redirect_chain[0][0] == outcome.party.case.get_absolute_url()
    assert not TrialOutcome.objects.filter(pk=outcome.pk).exists()


# Display


def test_list_and_detail_show_the_sentence_honestly(client_for, monitor, outcome):
    TrialOutcome.objects.filter(pk=outcome.pk).update(
        sentence_months=30,
        suspended_months=12,
        supervision_months=18,
        fine_amount=Decimal("4000000"),
        fine_currency="KHR",
        damages_amount=Decimal("1500.50"),
        damages_currency="USD",
        in_absentia=True,
        verdict_precision="month",
    )
    client = client_for(monitor)
    listing = client.get(reverse("cases:outcome-list")).content.decode()
    detail = client.get(outcome.get_absolute_url()).content.decode()
    for text in (listing, detail):
        assert "2 years 6 months (of which 1 year suspended)" in text
        assert "in absentia" in text
        assert "March 2023" in text
        assert "3 March 2023" not in text  # only the month is known
        assert "4,000,000" in text
        assert "1,500.50" in text
        assert "Kem Sokha" in text
    assert "1 year 6 months" in detail  # the part to serve and the supervision


def test_life_sentence_is_shown(client_for, monitor, outcome):
    TrialOutcome.objects.filter(pk=outcome.pk).update(life_sentence=True, sentence_months=None)
    client = client_for(monitor)
    assert b"life sentence" in client.get(reverse("cases:outcome-list")).content
    assert b"life sentence" in client.get(outcome.get_absolute_url()).content


def test_a_protected_defendant_is_shown_by_pseudonym(client_for, monitor, supervisor):
    person = make_person(name="Real Name", is_protected=True, pseudonym="Witness A")
    party = make_party(case=make_case(monitors=[monitor]), person=person)
    outcome = make_outcome(party=party)
    client = client_for(monitor)
    pages = [
        client.get(reverse("cases:outcome-list")),
        client.get(outcome.get_absolute_url()),
        client.get(reverse("cases:outcome-update", args=[outcome.pk])),
        client.post(reverse("cases:outcome-update", args=[outcome.pk]), form_data(), follow=True),
        client_for(make_user("monitor")).get(outcome.get_absolute_url()),
    ]
    for response in pages:
        assert response.status_code == 200
        assert b"Witness A" in response.content
        assert b"Real Name" not in response.content
    assert b"Real Name" in client_for(supervisor).get(outcome.get_absolute_url()).content


def test_an_organisation_defendant_is_named(client_for, monitor):
    party = make_party(
        case=make_case(monitors=[monitor]), organisation=make_organisation(name="Land Co")
    )
    outcome = make_outcome(party=party, sentence_months=None)
    client = client_for(monitor)
    assert b"Land Co" in client.get(reverse("cases:outcome-list")).content
    assert b"Land Co" in client.get(outcome.get_absolute_url()).content


def test_empty_list_says_so(client_for, monitor):
    response = client_for(monitor).get(reverse("cases:outcome-list"))
    assert b"No trial outcomes recorded yet." in response.content


# Bad input


@pytest.mark.parametrize(
    ("changes", "field", "kept"),
    [
        ({"suspended_months": "30"}, "suspended_months", 'value="30"'),
        ({"fine_amount": "500"}, "fine_currency", 'value="500"'),
        ({"damages_amount": "700"}, "damages_currency", 'value="700"'),
        (
            {"appeal_filed_on": "2023-01-02", "appealed_by": "defendant"},
            "appeal_filed_on",
            'value="2023-01-02"',
        ),
        ({"appealed_by": "prosecutor"}, "appeal_filed_on", 'value="prosecutor" selected'),
        ({"verdict": "acquitted"}, "sentence_months", 'value="24"'),
        ({"verdict_precision": "range"}, "verdict_until", 'value="2023-05-25"'),
        ({"sentence_months": "-3"}, "sentence_months", 'value="-3"'),
    ],
)
def test_invalid_input_is_shown_beside_the_field(client_for, monitor, party, changes, field, kept):
    response = client_for(monitor).post(
        reverse("cases:outcome-create", args=[party.pk]), form_data(**changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    text = response.content.decode()
    assert f'id="id_{field}_error"' in text
    assert kept in text
    assert not TrialOutcome.objects.exists()


def test_a_second_outcome_at_the_same_instance_is_refused(client_for, monitor, outcome):
    response = client_for(monitor).post(
        reverse("cases:outcome-create", args=[outcome.party_id]), form_data()
    )
    assert response.status_code == 200
    assert "instance" in response.context["form"].errors
    assert TrialOutcome.objects.count() == 1
    response = client_for(monitor).post(
        reverse("cases:outcome-create", args=[outcome.party_id]),
        form_data(instance="appeal", verdict="upheld"),
    )
    assert response.status_code == 302
    assert TrialOutcome.objects.count() == 2


def test_an_edit_after_the_party_stopped_being_a_defendant_shows_an_error(
    client_for, monitor, outcome
):
    CaseParty.objects.filter(pk=outcome.party_id).update(role=CaseParty.Role.WITNESS)
    response = client_for(monitor).post(
        reverse("cases:outcome-update", args=[outcome.pk]), form_data()
    )
    assert response.status_code == 200
    assert "Only a defendant has a verdict." in response.context["form"].non_field_errors()


@pytest.mark.parametrize(
    "query",
    [
        "?o=bogus",
        "?page=999",
        "?page=x",
        "?verdict_from=2023-02-30",
        "?verdict_to=x",
        "?appealed=maybe",
        "?court=abc",
        "?instance=tenth",
    ],
)
def test_odd_query_strings_never_fail(client_for, monitor, outcome, query):
    assert client_for(monitor).get(reverse("cases:outcome-list") + query).status_code == 200


# Filters and sorting


def test_filters(client_for, monitor, outcome, court):
    other_court = make_court()
    appealed = make_outcome(
        party=make_party(case=make_case(reference="A-1")),
        instance="appeal",
        verdict="upheld",
        court=other_court,
        verdict_on=dt.date(2023, 6, 1),
        verdict_precision="month",
        appeal_filed_on=dt.date(2023, 6, 20),
        appealed_by="defendant",
    )
    acquitted = make_outcome(
        verdict="acquitted", sentence_months=None, verdict_on=dt.date(2024, 1, 5)
    )
    client = client_for(monitor)

    def listed(query):
        response = client.get(reverse("cases:outcome-list") + query)
        assert response.status_code == 200
        return set(response.context["object_list"])

    assert listed("") == {outcome, appealed, acquitted}
    assert listed("?verdict=acquitted") == {acquitted}
    assert listed("?instance=appeal") == {appealed}
    assert listed(f"?court={court.pk}") == {outcome}
    assert listed("?appealed=yes") == {appealed}
    assert listed("?appealed=no") == {outcome, acquitted}
    # "June 2023" may fall on 15 June or later: it matches a range starting on the 15th.
    assert listed("?verdict_from=2023-06-15&verdict_to=2023-12-31") == {appealed}
    assert listed("?verdict_to=2023-03-03") == {outcome}
    assert listed("?verdict_from=2024-01-01") == {acquitted}
    response = client.get(reverse("cases:outcome-list") + "?verdict=dismissed")
    assert b"No trial outcome matches these filters." in response.content


def test_sorting(client_for, monitor):
    late = make_outcome(verdict_on=dt.date(2024, 1, 1))
    early = make_outcome(verdict_on=dt.date(2022, 1, 1))
    client = client_for(monitor)

    def order(query):
        return list(client.get(reverse("cases:outcome-list") + query).context["object_list"])

    assert order("?o=verdict_date") == [early, late]
    assert order("?o=-verdict_date") == [late, early]


# Query counts


def test_list_query_count_does_not_grow_with_rows(client_for, monitor, outcome):
    client = client_for(monitor)
    url = reverse("cases:outcome-list")
    client.get(url)
    one = count_queries(client, url)
    for n in range(11):
        if n % 3 == 0:
            party = make_party(organisation=make_organisation())
        else:
            party = make_party(person=make_person(is_protected=n % 2 == 0))
        make_outcome(party=party, court=make_court(), fine_amount=n, fine_currency="USD")
    many = count_queries(client, url)
    assert many == one


def test_detail_query_count_is_bounded(client_for, monitor, outcome, django_assert_max_num_queries):
    client = client_for(monitor)
    with django_assert_max_num_queries(8):
        response = client.get(outcome.get_absolute_url())
    assert response.status_code == 200
