"""The admin: every model is there, every page opens, and lists cost the same for 1 or 5 rows."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import (
    Affiliation,
    Case,
    CaseParty,
    Charge,
    Court,
    Detention,
    DetentionExtension,
    DetentionFacility,
    DuplicateDismissal,
    FollowUp,
    Hearing,
    LegalRule,
    MergeRecord,
    Offence,
    Organisation,
    Person,
    PersonGroup,
    Role,
    TrialOutcome,
)
from tests.factories import (
    make_affiliation,
    make_case,
    make_charge,
    make_court,
    make_detention,
    make_dismissal,
    make_extension,
    make_facility,
    make_followup,
    make_hearing,
    make_legal_rule,
    make_merge_record,
    make_offence,
    make_organisation,
    make_outcome,
    make_party,
    make_person,
    make_person_group,
    make_user,
)

pytestmark = pytest.mark.django_db


def make_role():
    """Return the next person role; the codes are fixed choices, seeded by a migration."""
    taken = set(Role.objects.values_list("code", flat=True))
    code = next(code for code in Role.Code.values if code not in taken)
    return Role.objects.create(code=code)


def make_rich_person():
    """Return a person with every relation a list page could show."""
    person = make_person(group=make_person_group(), roles=Role.objects.all()[:2])
    make_affiliation(person=person)
    return person


def make_rich_case():
    case = make_case(court=make_court(), monitors=[make_user("monitor")])
    make_party(case=case)
    make_hearing(case=case, monitor=make_user("monitor"))
    return case


def make_rich_hearing():
    return make_hearing(court=make_court(), monitor=make_user("monitor"))


def make_rich_detention():
    detention = make_detention(facility=make_facility())
    make_extension(detention=detention)
    return detention


def make_rich_followup():
    return make_followup(
        person=make_person(), addressed_to=make_organisation(), owner=make_user("monitor")
    )


def make_rich_outcome():
    return make_outcome(court=make_court(), fine_amount=1_000_000, fine_currency="KHR")


def make_organisation_party():
    return make_party(person=None, organisation=make_organisation())


MAKERS = {
    Role: make_role,
    Organisation: make_organisation,
    PersonGroup: make_person_group,
    Person: make_rich_person,
    Affiliation: make_affiliation,
    Court: make_court,
    DetentionFacility: make_facility,
    Offence: make_offence,
    Case: make_rich_case,
    CaseParty: make_party,
    Charge: make_charge,
    Hearing: make_rich_hearing,
    TrialOutcome: make_rich_outcome,
    Detention: make_rich_detention,
    DetentionExtension: make_extension,
    FollowUp: make_rich_followup,
    LegalRule: make_legal_rule,
    MergeRecord: make_merge_record,
    DuplicateDismissal: make_dismissal,
}
MODELS = list(MAKERS)
READ_ONLY = {MergeRecord}  # made and undone on the screens, which check every step


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


def start_empty(model) -> None:
    """Delete the rows a data migration seeded (roles, legal rules), to count our own."""
    model._default_manager.all().delete()


def test_every_model_is_registered():
    unregistered = [
        model.__name__
        for model in apps.get_app_config("cases").get_models()
        if not admin.site.is_registered(model)
    ]
    assert unregistered == []


def test_every_model_has_rows_to_test_with():
    assert set(apps.get_app_config("cases").get_models()) == set(MAKERS)


def test_admin_configuration_passes_the_system_checks():
    assert checks.run_checks(tags=[checks.Tags.admin]) == []


def test_the_admin_group_alone_opens_the_admin(admin_user):
    assert admin_user.is_staff and not admin_user.is_superuser
    assert admin_user.has_perm("cases.change_case")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_answers_with_the_rows(admin_client, model):
    start_empty(model)
    rows = [MAKERS[model]() for _ in range(2)]
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    assert {row.pk for row in response.context["cl"].result_list} == {row.pk for row in rows}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_search_answers(admin_client, model):
    start_empty(model)
    MAKERS[model]()
    assert admin_client.get(url(model, "changelist"), {"q": "1"}).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_add_page_answers(admin_client, model):
    expected = 403 if model in READ_ONLY else 200
    assert admin_client.get(url(model, "add")).status_code == expected


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_change_page_answers(admin_client, model):
    start_empty(model)
    row = MAKERS[model]()
    assert admin_client.get(url(model, "change", row.pk)).status_code == 200


def test_case_party_page_shows_its_charges_and_outcomes(admin_client):
    charge = make_charge()
    make_outcome(party=charge.party)
    response = admin_client.get(url(CaseParty, "change", charge.party.pk))
    formsets = {f.formset.model for f in response.context["inline_admin_formsets"]}
    assert formsets == {Charge, TrialOutcome}


def test_party_autocomplete_offers_only_defendants(admin_client):
    defendant = make_party(role=CaseParty.Role.DEFENDANT)
    make_party(case=defendant.case, role=CaseParty.Role.WITNESS)
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "charge", "field_name": "party", "term": ""},
    )
    assert response.status_code == 200
    assert [int(r["id"]) for r in response.json()["results"]] == [defendant.pk]


def test_organisation_parties_are_listed_too(admin_client):
    make_organisation_party()
    assert admin_client.get(url(CaseParty, "changelist")).status_code == 200


def changelist_queries(client, model) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(admin_client, model):
    start_empty(model)
    MAKERS[model]()
    changelist_queries(admin_client, model)  # warm the caches (content types, sessions)
    one = changelist_queries(admin_client, model)
    for _ in range(4):
        MAKERS[model]()
    five = changelist_queries(admin_client, model)
    assert len(five) == len(one), "\n".join(five)
