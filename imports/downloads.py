"""The blank files to fill (for each kind, a CSV and an XLSX with the header row and hints),
and a checked file's errors as CSV.

The CSV has the header and one row of hints (its first cell starts with "# ", so an import
skips it). The XLSX has the header on its first sheet, drop-down lists for the columns with
fixed values, a README sheet (each column: required, meaning, allowed values, example) and
the names recorded for the reference columns (facilities, courts, offences, groups). Every text
cell goes through the exports' formula check (``exports/spreadsheet.py``): a recorded name is typed
by users, and openpyxl would write one starting with "=" as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

from cases.models import Court, DetentionFacility, Offence, PersonGroup
from exports.spreadsheet import BOM, CSV_TYPE, XLSX_TYPE, csv_bytes, neutralise

from .kinds import KINDS, Column, Kind

# Rows of the data sheet offered a drop-down list (the rest accept any text as well).
LIST_ROWS = 5000


def required_text(kind: Kind, column: Column) -> str:
    for group in kind.required_any:
        if column.name in group:
            others = [name for name in group if name != column.name]
            if not others:
                return _("yes")
            return _("yes, or %(others)s") % {"others": _(" or ").join(others)}
    return ""


def hint(column: Column) -> str:
    text = str(column.help)
    if column.allowed is not None:
        values = [value.split(" ", 1)[0] for value in column.allowed()]
        if len(values) <= 12:
            text += " " + _("Allowed: %(values)s.") % {"values": ", ".join(values)}
    return text


def template_csv(kind: Kind) -> bytes:
    """Return the CSV template: UTF-8 with a BOM (so Excel reads Khmer), header, hint row."""
    hints = [hint(column) for column in kind.columns]
    hints[0] = "# " + hints[0]
    return csv_bytes([[column.name for column in kind.columns], hints])


def reference_lists() -> dict[str, list[str]]:
    """Return the names recorded for the reference columns, as a file must spell them.

    A name a spreadsheet would read as a formula is written with a leading apostrophe in the
    template; the import accepts it so (``Run._table``).
    """
    offences = [
        f"{offence.article} — {offence.name}" if offence.article else offence.name
        for offence in Offence.objects.order_by("article", "name")
    ]
    return {
        "facility": list(DetentionFacility.objects.order_by("name").values_list("name", flat=True)),
        "court": list(Court.objects.order_by("name").values_list("name", flat=True)),
        "group": list(PersonGroup.objects.order_by("label").values_list("label", flat=True)),
        "charges": offences,
    }


def template_xlsx(kind: Kind) -> bytes:
    """Return the XLSX template: data sheet first (the one an import reads), then README."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    data = book.active
    data.title = str(kind.label)[:31].replace("(", "").replace(")", "").strip()
    data.append([column.name for column in kind.columns])
    data.freeze_panes = "A2"
    for index, column in enumerate(kind.columns, start=1):
        data.cell(row=1, column=index).font = Font(bold=True)
        data.column_dimensions[get_column_letter(index)].width = max(14, len(column.name) + 4)

    readme = book.create_sheet(_("README"))
    readme.append([_("column"), _("required"), _("meaning"), _("allowed values"), _("example")])
    for cell in readme[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        allowed = "\n".join(column.allowed()) if column.allowed else ""
        cells = [
            column.name,
            required_text(kind, column),
            str(column.help),
            allowed,
            column.example,
        ]
        readme.append([neutralise(str(cell)) for cell in cells])
    for letter, width in zip("ABCDE", (18, 16, 60, 40, 20), strict=True):
        readme.column_dimensions[letter].width = width
    for row in readme.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    readme.append([])
    readme.append([_("The first sheet is imported; these sheets are not.")])
    readme.append(
        [_("Dates: 2023-01-05, 05/01/2023 (day first), 2023-01 (a month), 2023 (a year).")]
    )

    lists = book.create_sheet(_("Lists"))
    names = reference_lists()
    list_column = 0
    for index, column in enumerate(kind.columns, start=1):
        values = (
            [value.split(" ", 1)[0] for value in column.allowed()]
            if column.allowed
            else names.get(column.name, [])
        )
        if not values:
            continue
        list_column += 1
        letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=column.name).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=list_column, value=neutralise(value))
        if column.allowed or column.name in ("facility", "court", "group"):
            # A suggestion, not a lock: the import also takes labels, Khmer and other spellings.
            validation = DataValidation(
                type="list",
                formula1=f"={quote_sheetname(lists.title)}!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=False,
            )
            data.add_data_validation(validation)
            target = get_column_letter(index)
            validation.add(f"{target}2:{target}{LIST_ROWS}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_file(kind_key: str, file_format: str) -> tuple[bytes, str, str]:
    """Return (content, content type, file name) of a kind's template."""
    kind = KINDS[kind_key]
    name = f"import-{kind.key}.{file_format}"
    if file_format == "csv":
        return template_csv(kind), CSV_TYPE, name
    return template_xlsx(kind), XLSX_TYPE, name


def errors_csv(job) -> Iterator[bytes]:
    """Return a job's errors as CSV chunks, one line each: row number, column, value, message.

    UTF-8 with a BOM (Excel reads Khmer); the values come from the uploaded file, so every
    text cell goes through the formula check. Read in batches: one query per 500 report rows.
    The header is translated now, in the request's language, not while the response streams.
    """
    header = [_("row"), _("column"), _("value"), _("message")]
    rows = job.rows.with_errors().only("number", "errors").iterator(chunk_size=500)
    return _error_lines(header, rows)


def _error_lines(header: list[str], rows) -> Iterator[bytes]:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    out.write(BOM)
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        for error in row.errors:
            cells = [error.get(key, "") for key in ("column", "value", "message")]
            writer.writerow([row.number, *(neutralise(str(cell)) for cell in cells)])
        if number % 500 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")
