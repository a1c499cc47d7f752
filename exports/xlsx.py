"""XLSX through openpyxl's write-only mode, with a fast writer for the rows.

openpyxl builds the package (workbook, styles, content types, the zip) and streams the sheet
to a temporary file, so memory stays flat whatever the number of rows. Its per-cell path
(a ``Cell`` object, then an XML element per cell) costs about 160 µs a row of 13 columns:
6,000 rows a second. So the rows' XML is written here, a batch at a time, into openpyxl's
own sheet stream (the same protocol as ``WriteOnlyWorksheet._write_rows``): about 15 µs a
row, the zipping at the end included. Every cell keeps its reference (``r="B7"``): optional in
SpreadsheetML, and Excel does without, but some readers partners use (ClosedXML, EPPlus, older
exceljs) do not. Text is always an inline string (``t="inlineStr"``): a cell is never a formula,
whatever it starts with. When the stream is not the one this code knows (lxml installed,
a newer openpyxl), rows go through ``append()`` instead, every text cell typed as a string.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
# Excel refuses a cell longer than this; XML refuses these control characters.
MAX_TEXT = 32_767
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TEXT_STYLE = '" t="inlineStr"><is>'
EDGE_SPACE = frozenset(" \t\n\r")


def text_element(value: str) -> str:
    """Return the <t> element of a text: escaped, cleaned, its edge spaces kept."""
    text = escape(clean_text(value))
    if text and (text[0] in EDGE_SPACE or text[-1] in EDGE_SPACE):
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def clean_text(value: str) -> str:
    """Return the text without the characters XML refuses, cut to Excel's longest cell."""
    value = value[:MAX_TEXT]
    if ILLEGAL.search(value):
        value = ILLEGAL.sub("", value)
    return value


def escape(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


class SheetWriter:
    """Write one sheet of typed rows (text, numbers, dates, naive datetimes) to ``target``."""

    def __init__(self, target, *, title: str, headers: Sequence[str]):
        self.target = target
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title=clean_sheet_title(title))
        self.sheet.freeze_panes = "A2"
        self.letters = [get_column_letter(index + 1) for index in range(len(headers))]
        for letter, header in zip(self.letters, headers, strict=True):
            width = min(max(len(header) + 2, 10), 40)
            self.sheet.column_dimensions[letter].width = width
        self.date_style = self._style_of(dt.date(2000, 1, 1), number_format=DATE_FORMAT)
        self.datetime_style = self._style_of(dt.datetime(2000, 1, 1), number_format=DATETIME_FORMAT)
        header_style = self._style_of("", font=Font(bold=True))
        self.row_number = 0
        self._stream = self._open_stream()
        self._write([list(headers)], header_style=header_style)

    def _style_of(self, value, **attributes) -> int:
        """Register a cell style with openpyxl and return its id, for the rows' XML."""
        cell = WriteOnlyCell(self.sheet, value=value)
        for name, style in attributes.items():
            setattr(cell, name, style)
        return cell.style_id

    def _open_stream(self):
        """Return openpyxl's sheet stream as a function taking XML text, or None."""
        self.sheet._get_writer()
        xf = self.sheet._writer.xf.send(True)
        raw = getattr(xf, "_file", None)  # et_xmlfile's writer; lxml's has none
        if not callable(raw):
            self.sheet._writer.xf.send(None)  # hand the stream back: append() takes it
            return None
        self.sheet._rows = self._sheet_data(xf, raw)
        next(self.sheet._rows)
        return self.sheet._rows

    def _sheet_data(self, xf, raw):
        """Hold the ``<sheetData>`` element open while batches of rows are sent in.

        The worksheet's ``close()`` (at save) closes this generator, as it would its own.
        """
        with xf.element("sheetData"):
            try:
                while True:
                    raw((yield))
            except GeneratorExit:
                pass
        self.sheet._writer.xf.send(None)

    def write_rows(self, rows: Iterable[Sequence]) -> None:
        self._write(rows)

    def _write(self, rows: Iterable[Sequence], header_style: int | None = None) -> None:
        if self._stream is None:
            self._append(rows, header_style)
            return
        number = self.row_number
        date_style = f'" s="{self.date_style}"><v>'
        datetime_style = f'" s="{self.datetime_style}"><v>'
        text_style = f'" s="{header_style}" t="inlineStr"><is>' if header_style else TEXT_STYLE
        parts = []
        add = parts.append
        for row in rows:
            number += 1
            end = f"{number}"
            add(f'<row r="{end}">')
            for letter, value in zip(self.letters, row, strict=False):
                kind = value.__class__
                if kind is str:
                    if not value:
                        continue
                    if len(value) > MAX_TEXT or not value.isprintable():
                        value = clean_text(value)  # the slow path: rare characters
                        if not value:
                            continue
                    if "&" in value or "<" in value or ">" in value:
                        value = escape(value)
                    add('<c r="')
                    add(letter)
                    add(end)
                    add(text_style)
                    if value[0] in EDGE_SPACE or value[-1] in EDGE_SPACE:
                        add('<t xml:space="preserve">')
                    else:
                        add("<t>")
                    add(value)
                    add("</t></is></c>")
                elif value is None:
                    continue
                elif kind is int or kind is float:
                    add(f'<c r="{letter}{end}"><v>{value!r}</v></c>')
                elif kind is dt.date:
                    add(f'<c r="{letter}{end}{date_style}{value.toordinal() - EXCEL_EPOCH}</v></c>')
                elif kind is dt.datetime:
                    seconds = value.hour * 3600 + value.minute * 60 + value.second
                    serial = value.toordinal() - EXCEL_EPOCH + seconds / 86400
                    add(f'<c r="{letter}{end}{datetime_style}{serial!r}</v></c>')
                elif kind is bool:
                    add(f'<c r="{letter}{end}" t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, decimal.Decimal):
                    add(f'<c r="{letter}{end}"><v>{value}</v></c>')
                else:
                    add(f'<c r="{letter}{end}{TEXT_STYLE}{text_element(str(value))}</is></c>')
            add("</row>")
        self.row_number = number
        self._stream.send("".join(parts))

    def _append(self, rows: Iterable[Sequence], header_style: int | None) -> None:
        """Write through openpyxl's own cells (the slow path), text always typed as text."""
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, str):
                    cell = WriteOnlyCell(self.sheet, value=None)
                    cell._value, cell.data_type = clean_text(value), "s"
                    if header_style:
                        cell.font = Font(bold=True)
                elif isinstance(value, dt.datetime):
                    cell = WriteOnlyCell(self.sheet, value=value)
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, dt.date):
                    cell = WriteOnlyCell(self.sheet, value=value)
                    cell.number_format = DATE_FORMAT
                else:
                    cell = WriteOnlyCell(self.sheet, value=value)
                cells.append(cell)
            self.sheet.append(cells)
            self.row_number += 1

    def close(self) -> None:
        """Finish the sheet and write the workbook to the target (a path or a binary file)."""
        self.workbook.save(self.target)


def clean_sheet_title(title: str) -> str:
    """Return a title Excel accepts: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Export"
