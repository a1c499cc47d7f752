"""One formula check (exports/spreadsheet.py) for every file a spreadsheet opens: the exports, the
statistics' table downloads and the import templates. Hostile cells come back quoted in CSV and
XLSX from each, and the exports' generated row converter agrees with the check on every first
character."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from exp_support import column, export_url, read_csv, read_xlsx
from openpyxl import load_workbook

from exports.columns import Context, compile_columns
from exports.columns import column as text_column
from exports.models import Profile
from exports.spreadsheet import neutralise, neutralise_cell
from tests.factories import make_case, make_court, make_facility, make_outcome, make_party

# A spreadsheet would run each of these (OWASP's = + - @ tab CR, and after leading blanks).
HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\rReturn",
    "  =1+1",
    "\x01=HYPERLINK(1)",
    "\ufffe=1+1",  # XLSX drops U+FFFE: "=1+1" would come first
]
BENIGN = ["Phnom Penh", "", " Kandal", "a=b", "e-mail", "ក្រុង", "'already quoted", " "]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_that_could_start_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("text", BENIGN)
def test_other_text_and_other_types_are_left_alone(text):
    assert neutralise(text) == text
    for value in (7, 2.5, None, True):
        assert neutralise_cell(value) is value


def test_the_exports_row_converter_agrees_with_the_check_on_every_first_character():
    """The generated converter calls the check only after a fast test of the first
    character: that test must never skip a text the check would quote."""
    plan = compile_columns(
        [text_column("Plain", "a"), text_column("Rendered", "b", render=lambda c: str)],
        Profile.FULL,
        Context(),
    )
    for code in range(0x10000):
        for tail in ("=1+1", "x"):
            text = chr(code) + tail
            assert plan.convert((text, text)) == [neutralise(text)] * 2, hex(code)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_hostile_names_are_quoted_in_exports_and_statistics_alike(client_for, admin_user, fmt):
    """The same court names, through an export of the cases and the statistics by court."""
    for name in HOSTILE:
        case = make_case(court=make_court(name=name))
        make_outcome(party=make_party(case=case))  # convicted on 25 May 2023
    client = client_for(admin_user)
    read = read_csv if fmt == "csv" else read_xlsx
    exported = column(read(client.get(export_url("cases", fmt, "profile=full"))), "Court")
    query = {"table": "court", "measure": "convicted", "format": fmt}
    statistics = read(client.get(reverse("stats:download"), query))
    expected = sorted(quoted(name, fmt) for name in HOSTILE)
    assert sorted(exported) == expected
    assert sorted(row[0] for row in statistics[1:]) == expected


def quoted(name: str, fmt: str) -> str:
    """What a hostile name reads back as: quoted. XLSX drops what XML cannot hold, and XML
    reads a carriage return as a line feed."""
    text = "'" + name
    if fmt == "xlsx":
        text = text.replace("\ufffe", "").replace("\x01", "").replace("\r", "\n")
    return text


def test_the_import_templates_quote_a_recorded_name_and_the_import_reads_it_back(client_for):
    from imports.downloads import template_xlsx
    from imports.kinds import KINDS
    from imports.kinds.base import Run
    from tests.factories import make_user

    facility = make_facility(name='=HYPERLINK("http://x")')
    book = load_workbook(io.BytesIO(template_xlsx(KINDS["detentions"])))
    cells = [cell for row in book["Lists"].iter_rows() for cell in row if cell.value]
    written = [cell for cell in cells if "HYPERLINK" in str(cell.value)]
    assert [(cell.value, cell.data_type) for cell in written] == [("'" + facility.name, "s")]
    run = Run(user=make_user("supervisor"), write=False, source="test")
    assert run.facility("'" + facility.name) == facility  # picked from the template's list
    assert run.facility(facility.name) == facility
