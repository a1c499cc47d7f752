"""Exports leak nothing: formulas neutralised, redaction, the full profile's permission,
the permission ladder of every export URL, and an audit event for every export."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from exp_support import (
    HOSTILE,
    body_of,
    cell_types,
    column,
    export_url,
    ids,
    list_page_ids,
    read_csv,
    read_xlsx,
)

from audit.models import AuditEvent
from cases.models import Person
from exports.lists import LISTS
from exports.models import ExportJob
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db

LIST_NAMES = list(LISTS)
FORMATS = ["csv", "xlsx"]


def grant_full(user) -> None:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="export_full")
    )


def every_cell(rows) -> list:
    return [cell for row in rows for cell in row]


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return "".join(
            package.read(name).decode() for name in package.namelist() if name.endswith(".xml")
        )


# Formula injection --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_cells_get_an_apostrophe_in_both_formats(client_for, admin_user, world, fmt):
    client = client_for(admin_user)
    read = read_csv if fmt == "csv" else read_xlsx
    people = read(client.get(export_url("people", fmt, "profile=full")))
    name = dict(zip(ids(people), column(people, "Name"), strict=True))
    assert name[world.people.hostile.pk] == "'" + HOSTILE[0]
    nationality = column(people, "Nationality")
    assert "'-2+3" in nationality
    assert "'@home" in column(people, "Contact details")
    cases = read(client.get(export_url("cases", fmt, "profile=full")))
    titles = column(cases, "Title")
    assert "'+1+1" in titles
    assert "'@SUM(A1)" in titles
    hearings = read(client.get(export_url("hearings", fmt, "profile=full")))
    assert "'-2+3" in column(hearings, "Outcome notes")
    followups = read(client.get(export_url("followups", fmt, "profile=full")))
    assert "'" + HOSTILE[0] in column(followups, "What was done or is to be done")
    assert "'+1+1" in column(followups, "Response received")
    for rows in (people, cases, hearings, followups):
        for cell in every_cell(rows):
            if isinstance(cell, str) and cell:
                assert cell[0] not in "=+-@\t\r", cell


def test_neutralised_text_is_never_a_formula_in_xlsx(client_for, admin_user, world):
    client = client_for(admin_user)
    for list_name in LIST_NAMES:
        data = body_of(client.get(export_url(list_name, "xlsx", "profile=full")))
        assert "f" not in {t for row in cell_types(data) for t in row}, list_name
        xml = sheet_xml(data)
        assert "<f>" not in xml and "<f " not in xml, list_name
    numbers = read_xlsx(client.get(export_url("facilities", "xlsx", "o=name")))
    assert column(numbers, "Capacity") == [20, None, 500]  # numbers stay numbers


def test_a_tab_or_carriage_return_start_is_neutralised(client_for, admin_user, world):
    world.people.sokha.nationality = "\tCambodian"
    world.people.sokha.save()
    world.people.sithar.nationality = "\r=1+2"
    world.people.sithar.save()
    client = client_for(admin_user)
    for read, fmt in ((read_csv, "csv"), (read_xlsx, "xlsx")):
        rows = read(client.get(export_url("people", fmt, "q=Sokha")))
        assert column(rows, "Nationality") == ["'\tCambodian"], fmt
        rows = read(client.get(export_url("people", fmt, "q=Sithar")))
        assert column(rows, "Nationality")[0].startswith("'"), fmt


# Redaction ------------------------------------------------------------------------------------

SECRETS = ["Real Secret Name", "ឈ្មោះពិត", "Secret Alias", "+855 12 345 678", "Lives in Takeo"]
RESTRICTED = ["RESTRICTED-1", "Restricted case", "Restricted Person", "Restricted letter"]


@pytest.mark.parametrize("role", ["exporter", "supervisor", "admin"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_redacted_shows_pseudonyms_and_leaves_out_contacts_and_restricted_cases(
    client_for, world, role, fmt
):
    """Even for a supervisor or an admin, cleared to see all of it on the screens."""
    client = client_for(make_user(role))
    for list_name in LIST_NAMES:
        response = client.get(export_url(list_name, fmt))
        data = body_of(response)
        text = data.decode("utf-8") if fmt == "csv" else sheet_xml(data)
        for secret in SECRETS + RESTRICTED:
            assert secret not in text, (list_name, secret)
        rows = read_csv_bytes(data) if fmt == "csv" else read_xlsx(data)
        assert "Contact details" not in rows[0]
        assert "Notes" not in rows[0] or list_name == "facilities"
        assert "Pseudonym" not in rows[0]
    people = read_export(client, "people", fmt)
    assert "Witness A" in column(people, "Name")
    detentions = read_export(client, "detentions", fmt)
    assert "Witness A" in column(detentions, "Person")
    followups = read_export(client, "followups", fmt)
    assert "Witness A" in column(followups, "Person")


def test_redacted_search_by_a_real_name_finds_no_protected_person(client_for, supervisor, world):
    """The supervisor's screens find "Real Secret" by name; the redacted export must not."""
    client = client_for(supervisor)
    assert ids(read_csv(client.get(export_url("people", "csv", "q=Real+Secret")))) == []
    assert ids(read_csv(client.get(export_url("people", "csv", "q=Witness+A")))) == [
        world.people.secret.pk
    ]
    detentions = read_csv(client.get(export_url("detentions", "csv", "q=Real+Secret")))
    assert ids(detentions) == []


@pytest.mark.parametrize("sort", ["", "o=name", "o=-name"])
def test_a_protected_person_sorts_by_pseudonym_so_the_order_tells_nothing(client_for, sort):
    """Two worlds that differ only in the protected people's real names give an uncleared
    user the same list page, and a cleared user's redacted export the same rows, in the same
    order: the pseudonym's place among the others says nothing of the real name."""
    people = {
        "Bopha": make_person(name="Bopha"),
        "Mony": make_person(name="Mony"),
        "Alpha": make_person(name="Zz Real One", is_protected=True, pseudonym="Alpha"),
        "Zulu": make_person(name="Aa Real Two", is_protected=True, pseudonym="Zulu"),
    }
    outsider = client_for(make_user("exporter"))  # not cleared for protected identities
    supervisor = client_for(make_user("supervisor"))  # cleared: sees and sorts real names

    def orders():
        return (
            list_page_ids(outsider, "people", sort),
            ids(read_csv(outsider.get(export_url("people", "csv", sort)))),
            ids(read_csv(supervisor.get(export_url("people", "csv", sort)))),
        )

    by_pseudonym = [people[name].pk for name in ("Alpha", "Bopha", "Mony", "Zulu")]
    expected = by_pseudonym[::-1] if sort == "o=-name" else by_pseudonym
    before = orders()
    assert before == (expected, expected, expected)
    Person.objects.filter(pk=people["Alpha"].pk).update(name="Aa Real One")
    Person.objects.filter(pk=people["Zulu"].pk).update(name="Zz Real Two")
    assert orders() == before
    real = list_page_ids(supervisor, "people", sort)  # the supervisor's screen: real names
    assert real[0 if sort != "o=-name" else -1] == people["Alpha"].pk


def test_full_profile_has_names_contacts_and_restricted_cases(client_for, admin_user, world):
    client = client_for(admin_user)
    people = read_csv(client.get(export_url("people", "csv", "profile=full&o=name")))
    by_id = {int(row[0]): dict(zip(people[0], row, strict=True)) for row in people[1:]}
    secret = by_id[world.people.secret.pk]
    assert secret["Name"] == "Real Secret Name"
    assert secret["Pseudonym"] == "Witness A"
    assert secret["Khmer name"] == "ឈ្មោះពិត"
    # A telephone number starting with "+" is neutralised too: a spreadsheet would compute it.
    assert secret["Contact details"] == "'+855 12 345 678"
    assert secret["Notes"] == "Lives in Takeo"
    assert secret["Protected identity"] == "Yes"
    assert world.people.hidden.pk in by_id
    cases = read_csv(client.get(export_url("cases", "csv", "profile=full")))
    assert "RESTRICTED-1" in column(cases, "Reference")


def test_full_profile_needs_its_permission_and_cannot_be_forged(client_for, world):
    exporter, supervisor = make_user("exporter"), make_user("supervisor")
    for user in (exporter, supervisor):
        client = client_for(user)
        for list_name in LIST_NAMES:
            for fmt in FORMATS:
                assert client.get(export_url(list_name, fmt, "profile=full")).status_code == 403
        for forged in ("profile=FULL", "profile=unredacted", "profile=full%00"):
            assert client.get(export_url("people", "csv", forged)).status_code == 400
        # A second profile parameter does not sneak past the check either.
        twice = export_url("people", "csv", "profile=redacted&profile=full")
        assert client.get(twice).status_code == 403
    assert not ExportJob.objects.filter(profile="full").exists()
    grant_full(exporter)
    rows = read_csv(client_for(exporter).get(export_url("people", "csv", "profile=full")))
    # Granted, the full profile names the protected person; still only within what the
    # exporter may see: the restricted case's defendant stays out.
    assert "Real Secret Name" in column(rows, "Name")
    assert "Restricted Person" not in column(rows, "Name")
    assert "Contact details" in rows[0]


# Permission ladder ----------------------------------------------------------------------------


@pytest.mark.parametrize("list_name", LIST_NAMES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_permission_ladder_of_every_export(client, client_for, world, list_name, fmt):
    url = export_url(list_name, fmt)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for role in ("monitor", None):
        assert client_for(make_user(role)).get(url).status_code == 403
    for role in ("exporter", "supervisor", "admin"):
        allowed = client_for(make_user(role))
        assert allowed.get(url).status_code == 200, role
        assert allowed.post(url).status_code == 405
    allowed = client_for(make_user("exporter"))
    assert allowed.get(export_url("nothing", fmt)).status_code == 404
    assert allowed.get(export_url(list_name, "pdf")).status_code == 404


def test_export_links_show_only_with_the_permission(client_for, world):
    url = reverse("cases:case-list") + "?status=open&page=1"
    page = client_for(make_user("monitor")).get(url).content.decode()
    assert "data-export" not in page
    page = client_for(make_user("exporter")).get(url).content.decode()
    assert f'href="{export_url("cases", "csv", "status=open")}"' in page
    assert 'data-export="csv-full"' not in page
    page = client_for(make_user("admin")).get(url).content.decode()
    assert f'href="{export_url("cases", "xlsx", "status=open&amp;profile=full")}"' in page


# Audit --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_is_in_the_audit_trail(client_for, exporter, world, fmt):
    response = client_for(exporter).get(export_url("cases", fmt, "status=open&o=-title&page=2"))
    body_of(response)
    job = ExportJob.objects.get()
    event = AuditEvent.objects.get(action="export")
    assert event.actor == exporter
    assert event.model == "exports.exportjob" and event.object_id == str(job.pk)
    assert event.detail == (
        f"list=cases, format={fmt}, profile=redacted, rows=3, filter=status=open&o=-title"
    )
    job.refresh_from_db()
    assert job.status == ExportJob.Status.SENT
    assert job.rows_done == job.total_rows == 3
    assert job.query == "status=open&o=-title"


def test_history_lists_the_users_own_exports_with_an_empty_state(client_for, world):
    mine, theirs = make_user("exporter"), make_user("exporter")
    client = client_for(mine)
    page = client.get(reverse("exports:history"))
    assert page.status_code == 200
    assert "You have not exported anything yet" in page.content.decode()
    body_of(client.get(export_url("hearings", "csv", "status=held")))
    body_of(client_for(theirs).get(export_url("detentions", "csv")))
    page = client.get(reverse("exports:history")).content.decode()
    assert "Hearings" in page and "status=held" in page
    assert "Detentions" not in page.split("<tbody>")[1]
    assert client_for(make_user("monitor")).get(reverse("exports:history")).status_code == 403


def read_csv_bytes(data: bytes):
    import csv

    text = data.decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def read_export(client, list_name: str, fmt: str):
    response = client.get(export_url(list_name, fmt))
    return read_csv(response) if fmt == "csv" else read_xlsx(response)
