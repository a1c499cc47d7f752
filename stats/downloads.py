"""Write a statistics table as CSV or XLSX, with spreadsheet formula injection neutralised.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read
as a formula by a spreadsheet (``=cmd|' /C calc'!A0``); it gets a leading apostrophe, so it
stays text. Labels can hold such text (a court's or a facility's name is typed by users);
numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .tables import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Some spreadsheets skip leading blanks and control characters before reading a formula.
BLANKS = "".join(chr(code) for code in range(33))
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def neutralise(value, *, xlsx: bool = False):
    """Return a cell value a spreadsheet will not run: text starting like a formula is quoted.

    For XLSX the characters a workbook cannot hold are dropped first, so that what remains is
    what gets checked.
    """
    if value is None:
        return None if xlsx else ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    if xlsx:
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(FORMULA_STARTS) or text.lstrip(BLANKS).startswith(FORMULA_STARTS[:4]):
        return "'" + text
    return text


def rows_of(table: Table, *, xlsx: bool = False) -> list[list]:
    """Return the header and the rows of a table as cells, neutralised."""
    return [
        [neutralise(cell, xlsx=xlsx) for cell in table.header()],
        *([neutralise(cell, xlsx=xlsx) for cell in row] for row in table.cells()),
    ]


def as_csv(table: Table) -> bytes:
    """Return the table as UTF-8 CSV with a byte order mark (Excel then reads Khmer right)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows_of(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(table: Table) -> bytes:
    """Return the table as a one-sheet workbook, written by openpyxl's write-only mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.key[:31])
    for row in rows_of(table, xlsx=True):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(table: Table, fmt: str) -> bytes:
    return as_csv(table) if fmt == "csv" else as_xlsx(table)
