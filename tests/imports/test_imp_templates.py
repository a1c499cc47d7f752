"""The downloadable templates open back with csv and openpyxl, with the expected headers."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from imp_support import checked, confirm

from cases.models import Person
from imports.kinds import KINDS
from imports.models import ImportJob

pytestmark = pytest.mark.django_db

HEADERS = {
    "persons": ["name", "name_khmer", "aliases", "sex", "birth", "age", "age_on", "nationality",
                "roles", "group", "named", "pseudonym", "contact", "notes", "source", "id"],
    "cases": ["reference", "title", "category", "summary", "court", "court_case_number",
              "stage", "status", "confidentiality", "opened", "source"],
    "detentions": ["name", "name_khmer", "sex", "birth", "age", "case_reference", "charges",
                   "kind", "facility", "province", "started", "ended", "end_reason",
                   "conditions", "source", "person_id"],
}  # fmt: skip


def download(client, kind: str, file_format: str):
    response = client.get(reverse("imports:template", args=[kind, file_format]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="import-{kind}.{file_format}"'
    return response.content


@pytest.mark.parametrize("kind", HEADERS)
def test_the_csv_template_has_the_header_and_a_row_of_hints(client_for, supervisor, kind):
    content = download(client_for(supervisor), kind, "csv")
    assert content.startswith("\ufeff".encode())  # Excel then reads it as UTF-8
    header, hints = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert header == HEADERS[kind] == [column.name for column in KINDS[kind].columns]
    assert hints[0].startswith("# ") and len(hints) == len(header)
    if "sex" in header:
        assert "Allowed: woman, man, other, unknown." in hints[header.index("sex")]


@pytest.mark.parametrize("kind", HEADERS)
def test_the_xlsx_template_has_the_header_a_readme_and_lists(client_for, supervisor, kind, places):
    content = download(client_for(supervisor), kind, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    data, readme, lists = book.worksheets
    assert [cell.value for cell in data[1]] == HEADERS[kind]
    assert data.max_row == 1  # nothing but the header is imported
    documented = [row[0] for row in readme.iter_rows(min_row=2, values_only=True) if row[0]]
    assert documented[: len(HEADERS[kind])] == HEADERS[kind]
    assert readme.title == "README" and lists.title == "Lists"
    if kind == "detentions":
        listed = {cell.value for cell in lists["A"]} | {c.value for row in lists for c in row}
        assert "Prey Sar (CC1)" in listed and "pretrial" in listed
        validated = {str(v.sqref) for v in data.data_validations.dataValidation}
        assert "H2:H5000" in validated  # the kind column offers its values


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_template_filled_in_imports(client_for, supervisor, file_format):
    client = client_for(supervisor)
    content = download(client, "persons", file_format)
    if file_format == "csv":
        text = content.decode("utf-8-sig") + "Kem Sokha,,,man" + "," * 12 + "\r\n"
        content = text.encode("utf-8")
    else:
        book = openpyxl.load_workbook(io.BytesIO(content))
        book.worksheets[0].append(["Kem Sokha", None, None, "man"])
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()
    job = checked(client, "persons", f"filled.{file_format}", content)
    assert job.status == ImportJob.Status.READY, job.problems
    confirm(client, job)
    assert Person.objects.get().sex == "man"
    if file_format == "xlsx":
        assert job.notes == ["Only the first sheet, “People”, is read; the others are ignored."]


def test_templates_are_for_importers_only(client_for, monitor, exporter, supervisor):
    url = reverse("imports:template", args=["persons", "csv"])
    assert client_for(monitor).get(url).status_code == 403
    assert client_for(exporter).get(url).status_code == 403
    supervisor_client = client_for(supervisor)
    assert (
        supervisor_client.get(reverse("imports:template", args=["nothing", "csv"])).status_code
        == 404
    )
    assert (
        supervisor_client.get(reverse("imports:template", args=["persons", "pdf"])).status_code
        == 404
    )
    assert supervisor_client.post(url).status_code == 405
