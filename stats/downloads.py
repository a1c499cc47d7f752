"""Write a statistics table as CSV or XLSX, with spreadsheet formula injection neutralised.

Labels can hold text a spreadsheet would run (a court's or a facility's name is typed by
users: ``=cmd|' /C calc'!A0``): every text cell goes through the exports' check
(``exports/spreadsheet.py``), and the XLSX through the exports' sheet writer (text always an
inline string, the header row frozen). Numbers are written as numbers.
"""

from __future__ import annotations

import io

from exports.spreadsheet import CSV_TYPE, XLSX_TYPE, csv_bytes, neutralise_cell
from exports.xlsx import SheetWriter

from .tables import Table

FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def lines(table: Table) -> list[list]:
    """Return the header and the rows of a table."""
    return [table.header(), *table.cells()]


def as_csv(table: Table) -> bytes:
    """Return the table as UTF-8 CSV with a byte order mark (Excel then reads Khmer right)."""
    return csv_bytes(lines(table))  # neutralised there; None is written as an empty cell


def as_xlsx(table: Table) -> bytes:
    """Return the table as a one-sheet workbook (openpyxl's write-only mode underneath)."""
    header, *rows = ([neutralise_cell(cell) for cell in row] for row in lines(table))
    buffer = io.BytesIO()
    sheet = SheetWriter(buffer, title=table.key, headers=header)
    sheet.write_rows(rows)
    sheet.close()
    return buffer.getvalue()


def render(table: Table, fmt: str) -> bytes:
    return as_csv(table) if fmt == "csv" else as_xlsx(table)
