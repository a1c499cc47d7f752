"""The column compiler and the XLSX writer on awkward values."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from exp_support import HOSTILE, cell_types
from openpyxl import load_workbook

from exports.columns import Context, column, compile_columns, number
from exports.xlsx import MAX_TEXT, SheetWriter

AWKWARD = [
    "Tom & Jerry <script>",
    "  spaces kept at both ends  ",
    "bell\x07 and nul\x00 removed",
    "ឈ្មោះពិត កឹម សុខា",
    "line one\nline two",
    "x" * (MAX_TEXT + 10),
    "",
    "\x01",
]


def written(rows, *, fast: bool = True) -> bytes:
    class Slow(SheetWriter):
        def _open_stream(self):
            return None

    out = io.BytesIO()
    writer = (SheetWriter if fast else Slow)(out, title="Awkward: [1/2]?", headers=["A", "B"])
    writer.write_rows(rows)
    writer.close()
    return out.getvalue()


def values(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fast", [True, False])
def test_awkward_text_survives_the_xlsx_writer(fast):
    rows = [[text, index] for index, text in enumerate(AWKWARD)]
    data = written(rows, fast=fast)
    got = values(data)
    assert got[0] == ["A", "B"]
    assert got[1] == ["Tom & Jerry <script>", 0]
    assert got[2] == ["  spaces kept at both ends  ", 1]
    assert got[3] == ["bell and nul removed", 2]
    assert got[4] == ["ឈ្មោះពិត កឹម សុខា", 3]
    assert got[5] == ["line one\nline two", 4]
    assert got[6] == ["x" * MAX_TEXT, 5]
    assert got[7] == [None, 6]
    assert got[8] == [None, 7]
    assert load_workbook(io.BytesIO(data)).worksheets[0].title == "Awkward   1 2  "


@pytest.mark.parametrize("fast", [True, False])
def test_types_are_kept_and_text_is_never_a_formula(fast):
    when = dt.datetime(2023, 3, 3, 8, 30)
    rows = [[1, 2.5], [dt.date(2023, 1, 15), when], ["=1+2", "'" + HOSTILE[0]]]
    data = written(rows, fast=fast)
    got = values(data)
    assert got[1] == [1, 2.5]
    assert got[2] == [dt.datetime(2023, 1, 15), when]
    assert got[3] == ["=1+2", "'" + HOSTILE[0]]  # even unneutralised: text, not a formula
    assert cell_types(data)[3] == ["s", "s"]
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["A3"].number_format == "yyyy-mm-dd"
    assert sheet["B3"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["A1"].font.b


def test_columns_compile_per_profile_and_neutralise_rendered_text():
    columns = [
        number("ID", "pk"),
        column("Name", "name", "is_protected", render=lambda c: lambda n, p: n.upper()),
        column("Secret", "contact", full_only=True),
        column("Count", "n", text=False, render=lambda c: lambda n: -n),
    ]
    full = compile_columns(columns, "full", Context())
    assert full.headers == ["ID", "Name", "Secret", "Count"]
    assert full.fields == ["pk", "name", "is_protected", "contact", "n"]
    assert full.convert((7, "=x", False, "+855", 3)) == [7, "'=X", "'+855", -3]
    redacted = compile_columns(columns, "redacted", Context())
    assert redacted.headers == ["ID", "Name", "Count"]
    assert redacted.convert((7, "-a", False, 3)) == [7, "'-A", -3]
