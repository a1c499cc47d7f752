"""Case screens, parties and charges: permission ladder, bad input, grouping, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    Hearing,
    Organisation,
    Person,
    PersonGroup,
    Sex,
)
from cases.views.cases import party_sections, sex_summary
from tests.factories import (
    make_case,
    make_charge,
    make_court,
    make_detention,
    make_facility,
    make_followup,
    make_hearing,
    make_offence,
    make_organisation,
    make_outcome,
    make_party,
    make_person,
    make_person_group,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def case_urls(case: Case, party: CaseParty, charge: Charge) -> dict[str, str]:
    """Return every URL this module serves for one case, by name."""
    return {
        "detail": reverse("cases:case-detail", args=[case.pk]),
        "timeline": reverse("cases:case-timeline", args=[case.pk]),
        "update": reverse("cases:case-update", args=[case.pk]),
        "delete": reverse("cases:case-delete", args=[case.pk]),
        "party-create": reverse("cases:party-create", args=[case.pk]),
        "party-update": reverse("cases:party-update", args=[party.pk]),
        "party-delete": reverse("cases:party-delete", args=[party.pk]),
        "charge-create": reverse("cases:charge-create", args=[party.pk]),
        "charge-update": reverse("cases:charge-update", args=[charge.pk]),
        "charge-delete": reverse("cases:charge-delete", args=[charge.pk]),
    }


def a_case(**kw):
    case = make_case(**kw)
    party = make_party(case=case)
    return case, party, make_charge(party=party)


def case_data(**overrides) -> dict:
    data = {
        "reference": "",
        "title": "Arrest of union leaders",
        "category": Case.Category.LABOUR,
        "stage": Case.Stage.INVESTIGATION,
        "status": Case.Status.OPEN,
        "confidentiality": Case.Confidentiality.NORMAL,
        "opened_on": "2023-03-10",
        "opened_precision": "month",
        "opened_until": "",
        "summary": "",
        "court_case_number": "",
        "source": "",
    }
    data.update(overrides)
    return data


# The permission ladder ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    case, party, charge = a_case()
    urls = [
        reverse("cases:case-list"),
        reverse("cases:case-create"),
        *case_urls(case, party, charge).values(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_restricted_case_is_not_found_for_a_monitor_not_assigned(
    client_for, monitor, other_monitor
):
    case, party, charge = a_case(restricted=True, title="Secret case", monitors=[other_monitor])
    client = client_for(monitor)
    for name, url in case_urls(case, party, charge).items():
        if name.endswith("delete"):
            continue  # monitors may never delete: 403 before any lookup, see below
        assert client.get(url).status_code == 404, name
        if name not in ("detail", "timeline"):
            assert client.post(url, {}).status_code == 404, name
    assert "Secret case" not in client.get(reverse("cases:case-list")).content.decode()
    detail = case_urls(case, party, charge)["detail"]
    assert client_for(other_monitor).get(detail).status_code == 200


def test_exporter_reads_normal_cases_only_and_writes_nothing(client_for, exporter):
    normal = case_urls(*a_case())
    restricted = case_urls(*a_case(restricted=True))
    client = client_for(exporter)
    assert client.get(normal["detail"]).status_code == 200
    assert client.get(normal["timeline"]).status_code == 200
    assert client.get(restricted["detail"]).status_code == 404
    assert client.get(restricted["timeline"]).status_code == 404
    assert client.get(reverse("cases:case-create")).status_code == 403
    for name in ("update", "delete", "party-create", "party-update", "charge-create"):
        assert client.get(normal[name]).status_code == 403, name
        assert client.post(normal[name], {}).status_code == 403, name


def test_assigned_monitor_reads_and_edits_everything(client_for, monitor):
    case, party, charge = a_case(restricted=True, monitors=[monitor])
    urls = case_urls(case, party, charge)
    client = client_for(monitor)
    for name in ("detail", "timeline", "update", "party-create", "party-update"):
        assert client.get(urls[name]).status_code == 200, name
    for name in ("charge-create", "charge-update"):
        assert client.get(urls[name]).status_code == 200, name
    page = client.get(urls["detail"]).content.decode()
    assert urls["update"] in page and urls["party-create"] in page
    assert urls["delete"] not in page  # no delete permission

    response = client.post(
        urls["update"],
        case_data(
            reference=case.reference, title="Renamed", monitors=[monitor.pk], version=case.version
        ),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title == "Renamed"
    assert list(case.monitors.all()) == [monitor]


def test_monitor_not_assigned_sees_a_normal_case_but_may_not_edit_it(client_for, monitor):
    case, party, charge = a_case(title="Someone else's case")
    urls = case_urls(case, party, charge)
    client = client_for(monitor)
    page = client.get(urls["detail"])
    assert page.status_code == 200
    assert urls["update"] not in page.content.decode()
    assert urls["party-create"] not in page.content.decode()
    for name in ("update", "party-create", "party-update", "charge-create", "charge-update"):
        assert client.get(urls[name]).status_code == 403, name
        assert client.post(urls[name], {}).status_code == 403, name
    assert Case.objects.get(pk=case.pk).title == "Someone else's case"


def test_monitor_cannot_delete(client_for, monitor):
    case, party, charge = a_case(monitors=[monitor])
    urls = case_urls(case, party, charge)
    client = client_for(monitor)
    for name in ("delete", "party-delete", "charge-delete"):
        assert client.get(urls[name]).status_code == 403, name
        assert client.post(urls[name]).status_code == 403, name
    assert Case.objects.filter(pk=case.pk).exists()
    assert Charge.objects.filter(pk=charge.pk).exists()


def test_supervisor_deletes_a_case_after_confirmation(client_for, supervisor):
    case, _party, _charge = a_case(title="To be deleted")
    url = reverse("cases:case-delete", args=[case.pk])
    client = client_for(supervisor)
    page = client.get(url)
    assert page.status_code == 200 and "To be deleted" in page.content.decode()
    assert Case.objects.filter(pk=case.pk).exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("cases:case-list")
    assert not Case.objects.filter(pk=case.pk).exists()


def test_deleting_a_case_with_detentions_is_refused_with_a_message(client_for, supervisor):
    detention = make_detention()
    response = client_for(supervisor).post(
        reverse("cases:case-delete", args=[detention.case_id]), follow=True
    )
    assert response.status_code == 200
    assert "cannot be deleted" in response.content.decode()
    assert Case.objects.filter(pk=detention.case_id).exists()


def test_supervisor_deletes_a_party_and_a_charge_and_returns_to_the_case(client_for, supervisor):
    case, party, charge = a_case()
    client = client_for(supervisor)
    detail = reverse("cases:case-detail", args=[case.pk])
    assert client.get(reverse("cases:charge-delete", args=[charge.pk])).status_code == 200
    response = client.post(reverse("cases:charge-delete", args=[charge.pk]))
    assert response["Location"] == detail
    assert not Charge.objects.filter(pk=charge.pk).exists()
    response = client.post(reverse("cases:party-delete", args=[party.pk]))
    assert response["Location"] == detail
    assert not CaseParty.objects.filter(pk=party.pk).exists()


# Creating and editing ----------------------------------------------------------------------


def test_monitor_who_opens_a_case_is_assigned_and_may_edit_it(client_for, monitor):
    client = client_for(monitor)
    response = client.post(reverse("cases:case-create"), case_data())
    case = Case.objects.get(title="Arrest of union leaders")
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert list(case.monitors.all()) == [monitor]
    assert case.reference.startswith("CASE-")  # left blank: made for them
    assert str(case.opened) == "March 2023"
    assert client.get(reverse("cases:case-update", args=[case.pk])).status_code == 200


def test_supervisor_who_opens_a_case_assigns_only_the_chosen_monitors(
    client_for, supervisor, monitor
):
    client_for(supervisor).post(
        reverse("cases:case-create"), case_data(reference="OWN-1", monitors=[monitor.pk])
    )
    case = Case.objects.get(reference="OWN-1")
    assert list(case.monitors.all()) == [monitor]


def test_only_field_monitors_can_be_assigned(client_for, supervisor, exporter, monitor):
    response = client_for(supervisor).post(
        reverse("cases:case-create"), case_data(monitors=[exporter.pk])
    )
    assert response.status_code == 200
    assert 'id="id_monitors_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_invalid_case_is_refused_beside_the_fields_and_input_kept(client_for, monitor):
    response = client_for(monitor).post(
        reverse("cases:case-create"),
        case_data(
            title="",
            category="bogus",
            summary="Typed summary",
            opened_on="2023-05-01",
            opened_precision="range",
            opened_until="2023-01-01",
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_title_error"' in body
    assert 'id="id_category_error"' in body
    assert 'id="id_opened_until_error"' in body and "cannot be before the first" in body
    assert "Typed summary" in body
    assert 'value="2023-05-01"' in body
    assert not Case.objects.exists()


def test_duplicate_reference_is_refused_beside_the_field(client_for, monitor):
    make_case(reference="DUP-1")
    response = client_for(monitor).post(reverse("cases:case-create"), case_data(reference="DUP-1"))
    assert response.status_code == 200
    assert 'id="id_reference_error"' in response.content.decode()
    assert Case.objects.count() == 1


def test_party_needs_a_person_or_an_organisation_not_both(client_for, monitor):
    case = make_case(monitors=[monitor])
    url = reverse("cases:party-create", args=[case.pk])
    client = client_for(monitor)
    both = client.post(
        url,
        {"person": make_person().pk, "organisation": make_organisation().pk, "role": "victim"},
    )
    body = both.content.decode()
    assert both.status_code == 200
    assert 'id="id_organisation_error"' in body
    assert body.count("Choose a person or an organisation, not both.") == 1
    neither = client.post(url, {"role": "victim", "notes": "Typed notes"})
    body = neither.content.decode()
    assert neither.status_code == 200
    assert 'id="id_person_error"' in body and "not both" not in body
    assert "Typed notes" in body
    assert not CaseParty.objects.exists()


def test_party_is_added_and_the_user_returns_to_the_case(client_for, monitor):
    case = make_case(monitors=[monitor])
    person = make_person(name="Chhim Sithar")
    response = client_for(monitor).post(
        reverse("cases:party-create", args=[case.pk]),
        {"person": person.pk, "role": "defendant", "notes": "Union president"},
    )
    party = CaseParty.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{case.get_absolute_url()}#party-{party.pk}"
    assert (party.case, party.person, party.role) == (case, person, "defendant")


def test_same_person_twice_in_the_same_role_is_refused(client_for, monitor):
    party = make_party(case=make_case(monitors=[monitor]))
    response = client_for(monitor).post(
        reverse("cases:party-create", args=[party.case_id]),
        {"person": party.person_id, "role": party.role},
    )
    assert response.status_code == 200
    assert "already has this role" in response.content.decode()
    assert CaseParty.objects.count() == 1


def test_person_select_lists_only_visible_people_and_pseudonyms(client_for, monitor, other_monitor):
    case = make_case(monitors=[monitor])
    hidden = make_person(name="Hidden Defendant")
    make_party(person=hidden, case=make_case(restricted=True, monitors=[other_monitor]))
    make_person(name="Real Name", is_protected=True, pseudonym="Witness K")
    page = client_for(monitor).get(reverse("cases:party-create", args=[case.pk])).content.decode()
    assert "Hidden Defendant" not in page
    assert "Witness K" in page and "Real Name" not in page
    posted = client_for(monitor).post(
        reverse("cases:party-create", args=[case.pk]), {"person": hidden.pk, "role": "witness"}
    )
    assert posted.status_code == 200 and not CaseParty.objects.filter(case=case).exists()


def test_protected_party_is_named_by_pseudonym_on_every_case_page(client_for, monitor):
    case = make_case(monitors=[monitor])
    person = make_person(name="Real Name", is_protected=True, pseudonym="Witness K")
    party = make_party(case=case, person=person)
    charge = make_charge(party=party)
    make_detention(person=person, case=case)
    client = client_for(monitor)
    for url in (
        reverse("cases:case-detail", args=[case.pk]),
        reverse("cases:case-timeline", args=[case.pk]),
        reverse("cases:party-update", args=[party.pk]),
        reverse("cases:charge-create", args=[party.pk]),
        reverse("cases:charge-update", args=[charge.pk]),
    ):
        page = client.get(url).content.decode()
        assert "Real Name" not in page, url
    saved = client.post(
        reverse("cases:party-update", args=[party.pk]),
        {"person": person.pk, "role": "defendant"},
        follow=True,
    ).content.decode()
    assert "Witness K" in saved and "Real Name" not in saved


def test_defendant_with_charges_cannot_become_a_witness(client_for, monitor):
    _case, party, _charge = a_case(monitors=[monitor])
    response = client_for(monitor).post(
        reverse("cases:party-update", args=[party.pk]),
        {"person": party.person_id, "role": "witness"},
    )
    assert response.status_code == 200
    assert 'id="id_role_error"' in response.content.decode()
    party.refresh_from_db()
    assert party.role == "defendant"


def test_charge_is_added_to_a_defendant_only(client_for, monitor):
    case = make_case(monitors=[monitor])
    defendant = make_party(case=case)
    witness = make_party(case=case, role=CaseParty.Role.WITNESS)
    offence = make_offence(name="Incitement", article="494")
    client = client_for(monitor)
    assert client.get(reverse("cases:charge-create", args=[witness.pk])).status_code == 404
    response = client.post(
        reverse("cases:charge-create", args=[defendant.pk]),
        {
            "offence": offence.pk,
            "charged_on": "2023-02-01",
            "charged_precision": "year",
            "outcome": "pending",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{case.get_absolute_url()}#party-{defendant.pk}"
    charge = Charge.objects.get()
    assert (charge.party, charge.offence, str(charge.charged)) == (defendant, offence, "2023")
    again = client.post(
        reverse("cases:charge-create", args=[defendant.pk]),
        {"offence": offence.pk, "charged_precision": "day", "outcome": "pending"},
    )
    assert again.status_code == 200 and "already exists" in again.content.decode()
    assert Charge.objects.count() == 1


# The case list -----------------------------------------------------------------------------


def test_list_shows_the_columns_and_the_restricted_badge(client_for, supervisor):
    case = make_case(
        title="Land dispute",
        restricted=True,
        court=make_court(name="Kampot Provincial Court"),
        stage=Case.Stage.TRIAL,
    )
    make_party(case=case)
    make_party(case=case)
    make_party(case=case, role=CaseParty.Role.VICTIM)
    page = client_for(supervisor).get(reverse("cases:case-list")).content.decode()
    for text in (case.reference, "Land dispute", "Kampot Provincial Court", "Trial", "restricted"):
        assert text in page
    assert '<td data-label="Defendants" class="num">2</td>' in page


def test_list_rows_escape_what_users_typed_and_link_each_case(client_for, supervisor):
    """The rows are written in Python (``case_rows``): every value is escaped, every row
    links its own case, and a fuzzy date reads as its source gave it."""
    hostile = make_case(
        title='<script>alert("x")</script> & co',
        court=make_court(name="Court <b>bold</b>"),
        court_case_number='"><img src=x>',
        opened_on=dt.date(2023, 3, 1),
        opened_precision="month",
        status=Case.Status.OPEN,
    )
    plain = make_case(title="Plain", status=Case.Status.CLOSED, restricted=True)
    page = client_for(supervisor).get(reverse("cases:case-list")).content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "Court &lt;b&gt;bold&lt;/b&gt;<br><small>&quot;&gt;&lt;img src=x&gt;</small>" in page
    assert '<td data-label="Events began">March 2023</td>' in page
    for case in (hostile, plain):
        assert f'<a href="{case.get_absolute_url()}">{case.reference}</a>' in page
    assert f'{plain.reference}</a> <span class="badge restricted">restricted</span>' in page
    assert '<span class="badge open">Open</span>' in page
    assert '<span class="badge">Closed</span>' in page


def test_list_filters_and_sorting(client_for, monitor):
    mine = make_case(
        title="Alpha case", monitors=[monitor], category=Case.Category.LAND, opened_on=None
    )
    make_case(title="Beta case", court_case_number="CR-77", opened_on=dt.date(2022, 8, 5))
    make_case(title="Gamma case", opened_on=dt.date(2023, 3, 1), opened_precision="month")
    client = client_for(monitor)
    url = reverse("cases:case-list")

    def titles(params):
        page = client.get(url, params).content.decode()
        return [t for t in ("Alpha case", "Beta case", "Gamma case") if t in page]

    assert titles({"q": "cr-77"}) == ["Beta case"]
    assert titles({"mine": "true"}) == ["Alpha case"]
    assert titles({"mine": "on", "category": "land"}) == ["Alpha case"]
    assert titles({"opened_after": "2023-03-20"}) == ["Gamma case"]  # "March 2023" may be
    assert titles({"opened_before": "2022-12-31"}) == ["Beta case"]
    page = client.get(url, {"o": "-title"}).content.decode()
    assert page.index("Gamma case") < page.index("Beta case") < page.index("Alpha case")
    empty = client.get(url, {"q": "nothing like it"}).content.decode()
    assert "No case matches these filters" in empty
    assert mine.reference in client.get(url).content.decode()


def test_empty_list_invites_to_open_the_first_case(client_for, monitor):
    page = client_for(monitor).get(reverse("cases:case-list")).content.decode()
    assert "No cases recorded yet." in page and reverse("cases:case-create") in page


@pytest.mark.parametrize(
    "params",
    [
        {"o": "bogus"},
        {"o": "-bogus,title"},
        {"page": "999"},
        {"page": "abc"},
        {"opened_after": "notadate"},
        {"category": "nonsense"},
        {"court": "abc"},
        {"mine": "maybe"},
    ],
)
def test_odd_list_parameters_never_answer_500(client_for, monitor, params):
    make_case(title="Still listed")
    response = client_for(monitor).get(reverse("cases:case-list"), params)
    assert response.status_code == 200


def test_bogus_sort_and_page_still_list_the_cases(client_for, monitor):
    make_case(title="Still listed")
    client = client_for(monitor)
    for params in ({"o": "bogus"}, {"page": "999"}, {"page": "abc"}):
        assert "Still listed" in client.get(reverse("cases:case-list"), params).content.decode()


def test_odd_timeline_and_detail_parameters_never_answer_500(client_for, monitor):
    case = make_case()
    client = client_for(monitor)
    timeline = reverse("cases:case-timeline", args=[case.pk])
    for params in ({"kind": "bogus"}, {"kind": ["", "hearing", "x" * 300]}, {"page": "abc"}):
        assert client.get(timeline, params).status_code == 200
    assert client.get(reverse("cases:case-detail", args=[case.pk]), {"o": "x"}).status_code == 200


# The case page -----------------------------------------------------------------------------


def test_detail_shows_who_is_detained_where_and_the_next_hearing(client_for, monitor):
    case = make_case(monitors=[monitor])
    person = make_person(name="Theary Seng")
    make_party(case=case, person=person)
    Detention.objects.create(
        person=person,
        case=case,
        kind=Detention.Kind.SENTENCE,
        facility=make_facility(name="Prey Sar"),
        started_on=dt.date(2022, 6, 14),
    )
    released = make_person(name="Released Person")
    Detention.objects.create(
        person=released,
        case=case,
        kind=Detention.Kind.PRETRIAL,
        started_on=dt.date(2022, 1, 1),
        ended_on=dt.date(2022, 3, 1),
        end_reason="bail",
    )
    now = timezone.now()
    make_hearing(case=case, scheduled_at=now - dt.timedelta(days=3), status="held")
    later = make_hearing(case=case, scheduled_at=now + dt.timedelta(days=40))
    soonest = make_hearing(case=case, scheduled_at=now + dt.timedelta(days=10))
    page = client_for(monitor).get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    detained = page[page.index('id="detained"') : page.index('id="hearings"')]
    assert "Theary Seng" in detained and "Prey Sar" in detained
    assert "Released Person" not in detained
    hearings = page[page.index('id="hearings"') : page.index('id="parties"')]
    assert soonest.get_absolute_url() in hearings
    assert later.get_absolute_url() not in hearings
    for name in ("hearing-create", "detention-create", "followup-create", "party-create"):
        assert reverse(f"cases:{name}", args=[case.pk]) in page


def test_detail_shows_charges_and_outcomes_of_each_defendant(client_for, supervisor):
    case = make_case()
    party = make_party(case=case, person=make_person(name="Kem Sokha"))
    make_charge(party=party, offence=make_offence(name="Treason", article="443"))
    make_outcome(
        party=party,
        sentence_months=27 * 12,
        fine_amount=4_000_000,
        fine_currency="KHR",
        appeal_filed_on=dt.date(2023, 6, 1),
        appeal_filed_precision="month",
        appealed_by="defendant",
    )
    page = client_for(supervisor).get(case.get_absolute_url()).content.decode()
    for text in ("Kem Sokha", "Treason", "443", "27 years", "4,000,000 KHR", "June 2023"):
        assert text in page, text
    assert reverse("cases:charge-create", args=[party.pk]) in page
    assert reverse("cases:outcome-create", args=[party.pk]) in page


def test_unnamed_group_members_are_collapsed_with_counts_by_sex(client_for, supervisor):
    case = make_case()
    group = make_person_group(label="Seam Pluk and others")
    make_party(case=case, person=make_person(name="Seam Pluk", group=group, sex=Sex.MAN))
    sexes = [Sex.WOMAN] * 2 + [Sex.MAN] * 10
    for n, sex in enumerate(sexes):
        person = make_person(name=f"Unnamed member {n}", is_named=False, group=group, sex=sex)
        make_party(case=case, person=person)
    page = client_for(supervisor).get(case.get_absolute_url()).content.decode()
    assert "Seam Pluk" in page
    assert "and 12 others" in page
    assert "(2 women and 10 men)" in page
    assert "<details>" in page  # the twelve stay one click away


def test_party_sections_group_unnamed_members_by_group_and_role():
    # Unsaved rows: the function works on what it is given, without the database.
    pluk_group = PersonGroup(pk=1, label="Seam Pluk and 12 others")
    other_group = PersonGroup(pk=2, label="Villagers")

    def party(pk, role="defendant", **person):
        if "organisation" in person:
            return CaseParty(pk=pk, role=role, organisation=person["organisation"])
        return CaseParty(pk=pk, role=role, person=Person(pk=pk, **person))

    parties = [
        party(1, name="Alone Named", sex=Sex.MAN),
        party(2, name="Seam Pluk", group=pluk_group, sex=Sex.MAN),
        *[
            party(10 + n, name=f"U{n}", is_named=False, group=pluk_group, sex=sex)
            for n, sex in enumerate([Sex.WOMAN] * 2 + [Sex.MAN] * 10)
        ],
        party(40, role="victim", name="V1", is_named=False, group=other_group, sex=Sex.UNKNOWN),
        party(41, role="victim", organisation=Organisation(pk=5, name="NGO")),
        party(50, role="civil_party", name="Named in a group", group=other_group),
    ]
    sections = party_sections(parties)
    assert [s.role for s in sections] == ["defendant", "victim", "civil_party"]
    defendants = sections[0].entries
    assert defendants[0].pk == 1
    group_entry = defendants[1]
    assert group_entry.is_group and group_entry.group is pluk_group
    assert [p.pk for p in group_entry.named] == [2]
    assert len(group_entry.unnamed) == 12
    assert group_entry.sex_counts == {Sex.WOMAN: 2, Sex.MAN: 10}
    assert group_entry.sex_summary == "2 women and 10 men"
    assert len(defendants) == 2
    victims = sections[1].entries
    assert victims[0].is_group and victims[0].sex_summary == "1 of unknown sex"
    assert victims[1].pk == 41
    # A named member of a group without unnamed members in that role stays a plain row.
    assert sections[2].entries[0].pk == 50


def test_sex_summary_lists_every_sex_present():
    assert sex_summary({Sex.MAN: 1}) == "1 man"
    assert sex_summary({Sex.WOMAN: 1, Sex.MAN: 3, Sex.UNKNOWN: 2}) == (
        "1 woman, 3 men and 2 of unknown sex"
    )


# Query counts --------------------------------------------------------------------------------


def busy_case(monitor, n: int) -> Case:
    """Return a case with ``n`` defendants, each charged, sentenced and detained."""
    case = make_case(monitors=[monitor], court=make_court())
    group = make_person_group()
    for i in range(n):
        person = make_person(is_named=i % 2 == 0, group=group, sex=Sex.WOMAN)
        party = make_party(case=case, person=person)
        make_charge(party=party)
        make_charge(party=party)
        make_outcome(party=party, appeal_filed_on=dt.date(2023, 7, 1), appealed_by="defendant")
        make_detention(person=person, case=case, facility=make_facility())
        make_party(case=case, organisation=make_organisation(), role=CaseParty.Role.VICTIM)
        make_followup(case=case)
    make_hearing(case=case, scheduled_at=timezone.now() + dt.timedelta(days=5))
    return case


def test_list_queries_do_not_grow_with_cases(client_for, monitor):
    client = client_for(monitor)
    busy_case(monitor, 3)
    one = count_queries(client, reverse("cases:case-list"))
    for _ in range(11):
        case = make_case(restricted=True, monitors=[monitor], court=make_court())
        for _ in range(3):
            make_party(case=case)
    assert count_queries(client, reverse("cases:case-list")) == one
    assert count_queries(client, reverse("cases:case-list"), {"mine": "on", "q": "Case"}) == one


def test_detail_queries_do_not_grow_with_parties(client_for, monitor):
    client = client_for(monitor)
    small, large = busy_case(monitor, 1), busy_case(monitor, 9)
    assert count_queries(client, small.get_absolute_url()) == count_queries(
        client, large.get_absolute_url()
    )


def test_timeline_queries_do_not_grow_with_events(client_for, monitor):
    client = client_for(monitor)
    small, large = busy_case(monitor, 1), busy_case(monitor, 9)
    for case in (small, large):
        for _ in range(5):
            make_hearing(case=case, status=Hearing.Status.HELD)
    url = reverse("cases:case-timeline", args=[small.pk])
    # The first page a process serves reads the rule table into its copy (cases.rules):
    # counted from the second on, whichever test this process ran before.
    count_queries(client, url)
    one = count_queries(client, url)
    assert count_queries(client, reverse("cases:case-timeline", args=[large.pk])) == one
