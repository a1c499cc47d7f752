"""Each kind imported from CSV and from XLSX ends with exactly the expected records."""

import datetime as dt

import pytest
from imp_support import (
    checked,
    confirm,
    csv_bytes,
    domain_counts,
    row_errors,
    xlsx_bytes,
)

from audit.models import AuditEvent
from cases.dates import Precision
from cases.models import Case, CaseParty, Charge, Detention, Person, Role
from imports.models import ImportJob
from tests.factories import make_person

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]


def as_file(rows: list[list], file_format: str) -> tuple[str, bytes]:
    if file_format == "csv":
        return "list.csv", csv_bytes(rows)
    return "list.xlsx", xlsx_bytes(rows)


def imported(client, kind: str, rows: list[list], file_format: str) -> ImportJob:
    name, content = as_file(rows, file_format)
    job = checked(client, kind, name, content)
    assert job.status == ImportJob.Status.READY, (job.problems, row_errors(job))
    confirm(client, job)
    assert job.status == ImportJob.Status.DONE, (job.problems, row_errors(job))
    return job


@pytest.mark.parametrize("file_format", FORMATS)
def test_people_are_added_and_updated(client_for, supervisor, file_format):
    recorded = make_person(name="Thach Setha", sex="unknown")
    rows = [
        ["name", "Name in Khmer", "sex", "birth", "age", "roles", "aliases", "id"],
        ["Kem Sokha", "កឹម សុខា", "M", "1953-06-05", "", "political_activist; party_official",
         "Kem Sokhar; Sokha Kem", ""],
        ["Chhim Sithar", "", "ស្រី", "1987", "", "union", "", ""],
        ["Seam Pluk", "", "male", "", "30", "", "", ""],
        ["", "", "man", "", "", "", "", str(recorded.pk)],
    ]  # fmt: skip
    before = domain_counts()
    job = imported(client_for(supervisor), "persons", rows, file_format)

    assert Person.objects.count() == 4
    sokha = Person.objects.get(name="Kem Sokha")
    assert (sokha.name_khmer, sokha.sex) == ("កឹម សុខា", "man")
    assert (sokha.birth_on, sokha.birth_precision) == (dt.date(1953, 6, 5), Precision.DAY)
    assert sokha.alias_list == ["Kem Sokhar", "Sokha Kem"]
    assert set(sokha.roles.values_list("code", flat=True)) == {
        Role.Code.POLITICAL_ACTIVIST,
        Role.Code.PARTY_OFFICIAL,
    }
    assert sokha.source == f"import #{job.pk}: list.{file_format}, row 2"
    sithar = Person.objects.get(name="Chhim Sithar")
    assert (sithar.sex, sithar.birth_precision, sithar.birth_on.year) == ("woman", "year", 1987)
    pluk = Person.objects.get(name="Seam Pluk")
    assert pluk.birth_precision == Precision.RANGE
    assert (pluk.birth_until - pluk.birth_on).days in (364, 365)  # a year-long window
    recorded.refresh_from_db()
    assert recorded.sex == "man" and recorded.version == 2
    assert job.written == {"create": {"person": 3}, "update": {"person": 1}}
    assert domain_counts()["Person"] == before["Person"] + 3
    # Every write is in the audit trail, attributed to the uploader, plus one import event.
    event = AuditEvent.objects.get(action="import")
    assert event.actor == supervisor and event.object_id == str(job.pk)
    assert "created=person:3" in event.detail and "updated=person:1" in event.detail
    by_import = AuditEvent.objects.filter(model="cases.person", request_id=f"import-{job.pk}")
    assert by_import.filter(action="create").count() == 3
    # The update of the recorded person; new people's roles are recorded as their updates.
    assert by_import.filter(action="update", object_id=str(recorded.pk)).count() == 1
    assert {event.actor_id for event in by_import} == {supervisor.pk}


@pytest.mark.parametrize("file_format", FORMATS)
def test_cases_are_added_and_updated_by_reference(client_for, supervisor, known_case,
                                                  file_format):  # fmt: skip
    rows = [
        ["reference", "title", "category", "court", "stage", "opened", "confidentiality"],
        ["", "Land dispute in Koh Kong", "land", "", "", "2023-01", ""],
        ["UN23-P30", "Union leaders", "Labour", "phnom penh municipal court", "trial",
         "2022-12-31", "restricted"],
        [known_case.reference.lower(), "", "", "", "appeal", "", ""],
    ]  # fmt: skip
    job = imported(client_for(supervisor), "cases", rows, file_format)

    assert Case.objects.count() == 3
    land = Case.objects.get(title="Land dispute in Koh Kong")
    assert land.reference.startswith("CASE-") and land.category == "land"
    assert (land.opened_on, land.opened_precision) == (dt.date(2023, 1, 1), Precision.MONTH)
    union = Case.objects.get(reference="UN23-P30")
    assert (union.category, union.stage, union.court) == ("labour", "trial", known_case.court)
    assert union.is_restricted
    known_case.refresh_from_db()
    assert known_case.stage == "appeal" and known_case.title == "Incitement case"
    assert job.written == {"create": {"case": 2}, "update": {"case": 1}}


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_prisoner_list_adds_people_parties_charges_and_detentions(
    client_for, supervisor, places, known_case, file_format
):
    recorded = make_person(name="Theary Seng")
    rows = [
        ["Name", "Sex", "Age", "Province", "Date of arrest", "Prison", "Article",
         "Case reference", "Kind", "person_id"],
        ["Sun Thun", "M", "45", "Phnom Penh", "05/01/2023", "prey sar (cc1)", "494; 453",
         known_case.reference, "pre-trial", ""],
        ["Sun Thun", "M", "45", "", "2023-06", "Prey Sar (CC1)", "", known_case.reference,
         "sentence", ""],
        ["", "", "", "", "2022-11-03", "", "art. 494", known_case.reference, "pretrial",
         str(recorded.pk)],
        ["Ny Nak", "F", "", "", "2023", "", "", "", "police custody", ""],
    ]  # fmt: skip
    job = imported(client_for(supervisor), "detentions", rows, file_format)

    assert job.written == {"create": {"person": 2, "caseparty": 2, "charge": 3, "detention": 4}}
    thun = Person.objects.get(name="Sun Thun")  # rows 2 and 3 are one person
    assert thun.sex == "man" and thun.birth_precision == Precision.RANGE
    assert thun.birth_until == dt.date(1978, 1, 5)
    detentions = Detention.objects.filter(person=thun).order_by("started_on")
    assert [(d.kind, d.started_on, d.started_precision) for d in detentions] == [
        ("pretrial", dt.date(2023, 1, 5), "day"),
        ("sentence", dt.date(2023, 6, 1), "month"),
    ]
    assert {d.facility for d in detentions} == {places["facility"]}
    assert {d.case for d in detentions} == {known_case}
    party = CaseParty.objects.get(case=known_case, person=thun)
    assert party.role == "defendant"
    assert set(Charge.objects.filter(party=party).values_list("offence__article", flat=True)) == {
        "494",
        "453",
    }
    seng = CaseParty.objects.get(case=known_case, person=recorded)
    assert list(seng.charges.values_list("offence__article", flat=True)) == ["494"]
    assert Person.objects.count() == 3
    nak = Detention.objects.get(person__name="Ny Nak")
    assert nak.case is None and nak.kind == "police_custody" and nak.started_precision == "year"


def test_headers_may_be_written_in_khmer_or_as_ngo_lists_name_them(client_for, supervisor):
    rows = [["ឈ្មោះ", "ភេទ", "អាយុ", "Age on"], ["Kem Sokha", "ប្រុស", "70", "2023-06-05"]]
    job = imported(client_for(supervisor), "persons", rows, "csv")
    person = Person.objects.get()
    assert (person.sex, person.birth_until) == ("man", dt.date(1953, 6, 5))
    assert job.written == {"create": {"person": 1}}


def test_offences_are_found_by_article_or_name_and_an_ambiguous_article_asks_for_it(
    client_for, supervisor, places, known_case
):
    from tests.factories import make_offence

    make_offence(name="Incitement (Press Law)", article="494", law="Press Law")
    rows = [
        ["name", "kind", "started", "case_reference", "charges"],
        ["Sun Thun", "pretrial", "2023-01-05", known_case.reference, "494"],
        ["Ny Nak", "pretrial", "2023-01-05", known_case.reference, "plotting, Article 494"],
        ["Sok Chea", "pretrial", "2023-01-05", known_case.reference, "Plottng"],
    ]
    job = checked(client_for(supervisor), "detentions", "list.csv", csv_bytes(rows))
    errors = {number: (column, message) for number, column, message in row_errors(job)}
    assert errors[2][0] == "charges"
    assert errors[2][1].startswith("“494” could mean ")
    assert "write the name of the offence instead" in errors[2][1]
    assert errors[3][0] == "charges"  # "Article 494" is just as ambiguous
    assert errors[4] == (
        "charges",
        "No offence has the article or name “Plottng”. Add it first, or correct it.",
    )
    rows[1][4] = "Incitement to commit a felony"
    job = checked(client_for(supervisor), "detentions", "list2.csv", csv_bytes(rows[:2]))
    assert job.status == ImportJob.Status.READY


def test_an_unknown_name_suggests_the_recorded_one(client_for, supervisor, places):
    rows = [
        ["name", "kind", "started", "facility"],
        ["Sun Thun", "pretrial", "2023", "Prey Sar CC1"],
    ]
    job = checked(client_for(supervisor), "detentions", "list.csv", csv_bytes(rows))
    assert row_errors(job) == [
        (
            2,
            "facility",
            "No detention facility is called “Prey Sar CC1”. Did you mean “Prey Sar (CC1)”?",
        )
    ]
