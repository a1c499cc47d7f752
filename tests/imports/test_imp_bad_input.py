"""Malformed, wrongly encoded, oversized or hostile files: a clear report, nothing written."""

import io
import zipfile

import pytest
from django.urls import reverse
from imp_support import (
    checked,
    confirm,
    csv_bytes,
    domain_counts,
    row_errors,
    upload,
    xlsx_bytes,
)

from cases.models import Person
from imports.models import ImportJob, ImportRow

pytestmark = pytest.mark.django_db

PEOPLE = [["name", "sex"], ["Kem Sokha", "man"], ["Chhim Sithar", "woman"]]


@pytest.fixture
def nothing_written(db):
    """Assert that the test leaves no domain row, audit event or import report behind."""
    before = domain_counts()
    yield
    assert domain_counts() == before
    assert not ImportRow.objects.exists()


def refused_at_upload(client, name: str, content: bytes, kind: str = "persons") -> list[str]:
    """Upload; assert the form refused the file; return its errors."""
    response = upload(client, kind, name, content)
    assert response.status_code == 200, "the file was accepted"
    assert not ImportJob.objects.exists()
    return [error.replace("\xa0", " ") for error in response.context["form"].errors["file"]]


def refused_in_check(client, name: str, content: bytes) -> list[str]:
    job = checked(client, "persons", name, content)
    assert job.status == ImportJob.Status.REFUSED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The file was refused; nothing was written." in page
    assert not job.upload
    return job.problems


# Malformed CSV -------------------------------------------------------------------------------


def test_a_semicolon_separated_file_is_refused_with_the_separator_named(
    client_for, supervisor, nothing_written
):
    errors = refused_at_upload(
        client_for(supervisor), "people.csv", csv_bytes(PEOPLE, delimiter=";")
    )
    assert errors == [
        "The columns are separated by semicolons (;), not commas.",
        "Save the file as “CSV UTF-8 (comma delimited)” and upload it again.",
    ]


def test_ragged_rows_are_reported_by_row(client_for, supervisor, nothing_written):
    content = b"name,sex\nKem Sokha,man\nChhim Sithar,woman,extra\nSeam Pluk\n"
    client = client_for(supervisor)
    job = checked(client, "persons", "people.csv", content)
    assert job.status == ImportJob.Status.INVALID
    assert [(number, column) for number, column, _m in row_errors(job)] == [(3, ""), (4, "")]
    assert "This row has 3 cells but the first row has 2" in row_errors(job)[0][2]
    ImportRow.objects.all().delete()  # the report is all the check wrote


def test_missing_and_unknown_columns_are_refused_and_named(client_for, supervisor, nothing_written):
    client = client_for(supervisor)
    errors = refused_at_upload(
        client, "people.csv", csv_bytes([["Sex", "Shoe size"], ["man", "42"]])
    )
    assert errors[0].startswith("Unknown columns: B “Shoe size”. Rename or delete them.")
    assert "The columns of this kind are: name, name_khmer, aliases, sex," in errors[0]
    assert errors[1] == "Missing column: “name” or “id”."
    errors = refused_at_upload(client, "people.csv", csv_bytes([["name", "Name"], ["a", "b"]]))
    assert errors == ["Columns given twice: B “Name”."]


def test_broken_quoting_is_refused_with_its_line(client_for, supervisor, nothing_written):
    content = b'name,sex\nKem Sokha,man\n"Chhim Sithar,woman\nSeam Pluk,man\n'
    errors = refused_at_upload(client_for(supervisor), "people.csv", content)
    assert errors[0].startswith("The CSV is malformed near line")


def test_an_empty_file_and_a_header_alone_are_refused(client_for, supervisor, nothing_written):
    client = client_for(supervisor)
    assert refused_at_upload(client, "people.csv", b"") == ["The submitted file is empty."]
    assert refused_at_upload(client, "people.csv", b"\n\n") == [
        "The file is empty: the first row must name the columns."
    ]
    assert refused_in_check(client, "people.csv", b"name,sex\n") == [
        "The file has no rows to import."
    ]


# Encodings -----------------------------------------------------------------------------------


def test_a_file_that_is_not_utf8_is_refused_with_how_to_save_it(
    client_for, supervisor, nothing_written
):
    content = "name,sex\nKem Sokha,man\nSøren Ølund,man\n".encode("latin-1")
    errors = refused_at_upload(client_for(supervisor), "people.csv", content)
    assert errors == [
        "The file is not UTF-8 (an unreadable byte on line 3).",
        "Save it as CSV UTF-8: in Excel “CSV UTF-8 (comma delimited)”, in LibreOffice "
        "“Text CSV” with the character set “Unicode (UTF-8)”.",
    ]


def test_utf16_is_refused_not_guessed(client_for, supervisor, nothing_written):
    content = "name\tsex\nកឹម សុខា\tman\n".encode("utf-16")
    errors = refused_at_upload(client_for(supervisor), "people.csv", content)
    assert errors[0] == "The file is in UTF-16 (Excel's “Unicode text”), not UTF-8."


def test_utf8_with_a_bom_and_khmer_text_is_read(client_for, supervisor):
    rows = [["name", "name_khmer", "sex"], ["Kem Sokha", "កឹម សុខា", "ប្រុស"]]
    client = client_for(supervisor)
    job = checked(client, "persons", "people.csv", csv_bytes(rows, bom=True))
    confirm(client, job)
    person = Person.objects.get()
    assert (person.name, person.name_khmer, person.sex) == ("Kem Sokha", "កឹម សុខា", "man")


# Size ----------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused(client_for, supervisor, settings, nothing_written):
    settings.IMPORT_MAX_MB = 1
    content = csv_bytes([["name", "notes"]] + [["Someone", "x" * 1000]] * 1100)
    assert len(content) > 1024 * 1024
    errors = refused_at_upload(client_for(supervisor), "people.csv", content)
    assert errors == ["The file is larger than 1.0 MB: split it into smaller files."]


def test_too_many_rows_are_refused_in_csv_and_xlsx(
    client_for, supervisor, settings, nothing_written
):
    settings.IMPORT_MAX_ROWS = 3
    rows = [["name"]] + [[f"Person {n}"] for n in range(4)]
    client = client_for(supervisor)
    too_many = ["The file has more than 3 rows: split it into smaller files."]
    assert refused_at_upload(client, "people.csv", csv_bytes(rows)) == too_many
    assert refused_in_check(client, "people.xlsx", xlsx_bytes(rows)) == too_many


# Hostile spreadsheets ------------------------------------------------------------------------


def rewritten(content: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None):
    """Return the workbook with some of its parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, replace.get(item.filename, source.read(item.filename)))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client_for, supervisor, nothing_written):
    out = io.BytesIO(xlsx_bytes(PEOPLE))
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/padding.bin", "w") as padding,
    ):
        for _ in range(120):  # 120 MB of zeros: about 120 kB compressed
            padding.write(bytes(1024 * 1024))
    content = out.getvalue()
    assert len(content) < 1024 * 1024
    errors = refused_at_upload(client_for(supervisor), "people.xlsx", content)
    assert errors[0].startswith("The workbook unpacks to 120.")
    assert "more than the 100.0 MB allowed: it may be a “zip bomb”." in errors[0]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize("sheet", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_xml_entity_attacks_are_refused(client_for, supervisor, sheet, nothing_written):
    content = rewritten(xlsx_bytes(PEOPLE), {"xl/worksheets/sheet1.xml": sheet})
    errors = refused_at_upload(client_for(supervisor), "people.xlsx", content)
    assert errors == [
        "The workbook contains XML entity declarations, which are refused (a known attack on "
        "spreadsheet readers). Save the data again as a new .xlsx or as CSV UTF-8."
    ]


def test_formulas_are_imported_as_their_text_never_calculated(client_for, supervisor):
    rows = [["name", "notes"], ["Kem Sokha", "=1+2"], ['=HYPERLINK("http://x")', "plain"]]
    client = client_for(supervisor)
    job = checked(client, "persons", "people.xlsx", xlsx_bytes(rows))
    warnings = {row.number: row.warnings for row in job.rows.with_warnings()}
    assert warnings[2] == [
        {"column": "notes", "message": "A formula: its text is imported, never calculated."}
    ]
    assert warnings[3][0]["column"] == "name"
    confirm(client, job)
    assert Person.objects.get(name="Kem Sokha").notes == "=1+2"
    assert Person.objects.filter(name='=HYPERLINK("http://x")').exists()


def test_an_xlsx_that_is_not_a_zip_is_refused(client_for, supervisor, nothing_written):
    errors = refused_at_upload(client_for(supervisor), "people.xlsx", csv_bytes(PEOPLE))
    assert errors == [
        "This file is called .xlsx but is not an Excel workbook (it is not a zip archive)."
    ]


def test_a_damaged_workbook_is_refused(client_for, supervisor, nothing_written):
    content = xlsx_bytes(PEOPLE)
    errors = refused_at_upload(client_for(supervisor), "people.xlsx", content[: len(content) // 2])
    assert errors == ["The workbook is damaged and cannot be read: save it again as .xlsx or CSV."]


def test_workbooks_with_macros_are_refused(client_for, supervisor, nothing_written):
    client = client_for(supervisor)
    errors = refused_at_upload(client, "people.xlsm", xlsx_bytes(PEOPLE))
    assert errors == ["Workbooks with macros (.xlsm) are refused: save it as .xlsx or CSV UTF-8."]
    with_macros = rewritten(xlsx_bytes(PEOPLE), {}, add={"xl/vbaProject.bin": b"\x00" * 64})
    errors = refused_at_upload(client, "people.xlsx", with_macros)
    assert errors == [
        "The workbook contains macros, which are refused: save it as .xlsx without macros."
    ]


def test_other_formats_and_disguised_files_are_refused(client_for, supervisor, nothing_written):
    client = client_for(supervisor)
    assert refused_at_upload(
        client, "people.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 64
    ) == ["This is an old Excel 97-2003 file (.xls): save it as .xlsx or as CSV UTF-8."]
    assert refused_at_upload(client, "people.csv", xlsx_bytes(PEOPLE)) == [
        "This file is called .csv but is a spreadsheet: upload it as .xlsx, or save as CSV."
    ]
    assert refused_at_upload(client, "people.ods", b"PK\x03\x04") == [
        "Upload a .csv or an .xlsx file."
    ]


def test_a_file_refused_in_the_background_keeps_no_data(client_for, supervisor, settings):
    """What only a full read finds (here: too many rows of an XLSX) is refused by the check."""
    settings.IMPORT_MAX_ROWS = 1
    client = client_for(supervisor)
    job = checked(client, "persons", "people.xlsx", xlsx_bytes(PEOPLE))
    assert job.status == ImportJob.Status.REFUSED
    assert not job.upload and not job.rows.exists()
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "The file has more than 1 rows" in page
