"""Read an uploaded CSV or XLSX into a header and rows, refusing what is malformed or hostile.

Everything that makes a whole file unusable raises ``FileRefused`` with sentences for the user:
a format the name and the bytes disagree on, an encoding other than UTF-8, another delimiter,
broken quoting, too many rows, an archive that unpacks to too much, macros, XML entities.
Nothing is guessed: a file is read as what it is or refused with the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .values import Cell

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
MAX_COLUMNS = 200
MAX_ARCHIVE_MEMBERS = 2000
FORMATS = ("csv", "xlsx")
MACRO_EXTENSIONS = ("xlsm", "xltm", "xlsb", "xlam")


class FileRefused(Exception):
    """The file as a whole cannot be imported; ``messages`` say why, for the user."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_unpacked_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        mb = 1024 * 1024
        return cls(
            max_bytes=settings.IMPORT_MAX_MB * mb,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_MB * mb,
        )


@dataclass
class RawRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: list[Cell]
    formulas: frozenset[int] = frozenset()  # positions of cells that held a formula
    # CSV records all have the header's number of cells; spreadsheet rows end at their last
    # filled cell.
    fixed_width: bool = False

    @property
    def is_blank(self) -> bool:
        return all(cell == "" for cell in self.cells)

    @property
    def is_note(self) -> bool:
        """Return True for a row of hints (the template's): its first cell starts with "# "."""
        return bool(self.cells) and isinstance(self.cells[0], str) and self.cells[0][:2] == "# "

    @property
    def is_data(self) -> bool:
        return not self.is_blank and not self.is_note


@dataclass
class Table:
    """The header and an iterator over the data rows (blank rows skipped)."""

    header: list[str]
    rows: Iterator[RawRow]
    total: int | None = None  # data rows, when known before reading them all
    notes: list[str] = field(default_factory=list)


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def format_of(name: str, head: bytes) -> str:
    """Return "csv" or "xlsx" when the name and the first bytes agree; refuse otherwise."""
    extension = extension_of(name)
    if extension in MACRO_EXTENSIONS:
        raise FileRefused(
            _("Workbooks with macros (.%(ext)s) are refused: save it as .xlsx or CSV UTF-8.")
            % {"ext": extension}
        )
    if extension == "xls" or (head.startswith(OLE_MAGIC) and extension != "xlsx"):
        raise FileRefused(
            _("This is an old Excel 97-2003 file (.xls): save it as .xlsx or as CSV UTF-8.")
        )
    if extension not in FORMATS:
        raise FileRefused(_("Upload a .csv or an .xlsx file."))
    is_zip = head.startswith(ZIP_MAGIC)
    if extension == "xlsx" and not is_zip:
        if head.startswith(OLE_MAGIC):
            raise FileRefused(
                _(
                    "This .xlsx file is password-protected or in an old format: remove the "
                    "password, or save it again as .xlsx."
                )
            )
        raise FileRefused(
            _("This file is called .xlsx but is not an Excel workbook (it is not a zip archive).")
        )
    if extension == "csv" and (is_zip or head.startswith(OLE_MAGIC)):
        raise FileRefused(
            _("This file is called .csv but is a spreadsheet: upload it as .xlsx, or save as CSV.")
        )
    return extension


def read_table(source: IO[bytes], file_format: str, limits: Limits) -> Table:
    """Return the table of a CSV or XLSX file, or raise ``FileRefused``."""
    if file_format == "csv":
        return read_csv(source, limits)
    return read_xlsx(source, limits)


# CSV -----------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Return the text of a UTF-8 file (with or without BOM); refuse any other encoding."""
    if data.startswith(UTF16_BOMS):
        raise FileRefused(
            _("The file is in UTF-16 (Excel's “Unicode text”), not UTF-8."),
            _("Save it as “CSV UTF-8 (comma delimited)” and upload it again."),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            _("The file is not UTF-8 (an unreadable byte on line %(line)s).") % {"line": line},
            _(
                "Save it as CSV UTF-8: in Excel “CSV UTF-8 (comma delimited)”, in LibreOffice "
                "“Text CSV” with the character set “Unicode (UTF-8)”."
            ),
        ) from None
    if "\x00" in text:
        raise FileRefused(_("The file holds binary data (NUL bytes): it is not a CSV file."))
    return text


def other_delimiter(first_line: str) -> str | None:
    """Return the separator a header line uses instead of commas, if it plainly does."""
    if "," in first_line:
        return None
    for delimiter in (";", "\t", "|"):
        if delimiter in first_line:
            return delimiter
    return None


DELIMITER_NAMES = {
    ";": gettext_lazy("semicolons (;)"),
    "\t": gettext_lazy("tabs"),
    "|": gettext_lazy("vertical bars (|)"),
}


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells) for every record; refuse broken quoting with its line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    try:
        for cells in reader:
            number += 1
            yield number, cells
    except csv.Error as error:
        raise FileRefused(
            _("The CSV is malformed near line %(line)s (%(reason)s).")
            % {"line": reader.line_num, "reason": str(error)},
            _("Check the quotes in that line, or save the file again as CSV UTF-8."),
        ) from None


def read_csv(source: IO[bytes], limits: Limits) -> Table:
    data = source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise too_large(limits)
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    if (delimiter := other_delimiter(first_line)) is not None:
        raise FileRefused(
            _("The columns are separated by %(what)s, not commas.")
            % {"what": DELIMITER_NAMES[delimiter]},
            _("Save the file as “CSV UTF-8 (comma delimited)” and upload it again."),
        )

    def records() -> Iterator[RawRow]:
        for number, cells in csv_rows(text):
            row = RawRow(number, [cell.strip() for cell in cells], fixed_width=True)
            if not row.is_blank:
                yield row

    rows = records()
    header = next(rows, None)
    if header is None:
        raise FileRefused(_("The file is empty: the first row must name the columns."))
    # Counting first is cheap for text (and finds broken quoting before any row is checked).
    total = sum(1 for row in rows if row.is_data)
    if total > limits.max_rows:
        raise too_many_rows(limits)
    rows = records()
    next(rows)
    return Table(header=header.cells, rows=(row for row in rows if row.is_data), total=total)


def too_large(limits: Limits) -> FileRefused:
    return FileRefused(
        _("The file is larger than %(size)s: split it into smaller files.")
        % {"size": filesizeformat(limits.max_bytes)}
    )


def too_many_rows(limits: Limits) -> FileRefused:
    return FileRefused(
        _("The file has more than %(rows)s rows: split it into smaller files.")
        % {"rows": f"{limits.max_rows:,}"}
    )


# XLSX ----------------------------------------------------------------------------------------


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip bomb, encrypted members, macros, and archives that are not workbooks."""
    members = archive.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise FileRefused(_("The workbook holds too many parts to be a spreadsheet."))
    # Python's zipfile never unpacks more than a member's declared size (a lie fails its CRC),
    # so the declared sizes bound what reading the workbook can cost.
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise FileRefused(
            _(
                "The workbook unpacks to %(size)s, more than the %(limit)s allowed: it may be a "
                "“zip bomb”. Save the data as CSV UTF-8, or split it."
            )
            % {
                "size": filesizeformat(unpacked),
                "limit": filesizeformat(limits.max_unpacked_bytes),
            }
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise FileRefused(_("The workbook is encrypted: remove its password and save it again."))
    names = {member.filename for member in members}
    content_types = ""
    if "[Content_Types].xml" in names:
        content_types = archive.read("[Content_Types].xml")[:1_000_000].decode("utf-8", "replace")
    if any(name.lower().endswith("vbaproject.bin") for name in names) or (
        "macroenabled" in content_types.lower()
    ):
        raise FileRefused(
            _("The workbook contains macros, which are refused: save it as .xlsx without macros.")
        )
    if "xl/workbook.xml" not in names:
        raise FileRefused(_("This zip archive is not an Excel workbook (.xlsx)."))


def caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Return True when ``error`` or an error it was raised from is a ``kind``."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def cell_value(value) -> Cell:
    """Return a cell as text or a date: numbers as written, formulas as their text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(source: IO[bytes], limits: Limits) -> Table:
    import openpyxl
    from defusedxml import DefusedXmlException
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # openpyxl would parse entity declarations: never without defusedxml
        raise FileRefused(_("This server cannot read .xlsx files safely: upload CSV UTF-8."))
    data = source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise too_large(limits)
    hostile = _(
        "The workbook contains XML entity declarations, which are refused (a known attack on "
        "spreadsheet readers). Save the data again as a new .xlsx or as CSV UTF-8."
    )
    damaged = _("The workbook is damaged and cannot be read: save it again as .xlsx or CSV.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        check_archive(archive, limits)
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except FileRefused:
        raise
    except Exception as error:  # zipfile, zlib, XML and openpyxl's own errors: "unreadable"
        raise FileRefused(hostile if caused_by(error, DefusedXmlException) else damaged) from None
    if not book.worksheets:
        raise FileRefused(_("The workbook has no worksheet."))
    sheet = book.worksheets[0]
    notes = []
    if len(book.sheetnames) > 1:
        notes.append(
            _("Only the first sheet, “%(sheet)s”, is read; the others are ignored.")
            % {"sheet": sheet.title}
        )
    declared = sheet.max_row if isinstance(sheet.max_row, int) else None
    # Ignore the declared size: a hostile sheet may claim a million columns for every row.
    sheet.reset_dimensions()

    def records() -> Iterator[RawRow]:
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                if len(cells) > MAX_COLUMNS:
                    raise FileRefused(
                        _("Row %(row)s has more than %(n)s columns.")
                        % {"row": number, "n": MAX_COLUMNS}
                    )
                values = [cell_value(cell.value) for cell in cells]
                formulas = frozenset(
                    index
                    for index, cell in enumerate(cells)
                    if getattr(cell, "data_type", None) == "f"
                )
                row = RawRow(number, values, formulas)
                if not row.is_blank:
                    yield row
        except FileRefused:
            raise
        except Exception as error:
            hostile_xml = caused_by(error, DefusedXmlException)
            raise FileRefused(hostile if hostile_xml else damaged) from None
        finally:
            book.close()

    rows = records()
    header_row = next(rows, None)
    if header_row is None:
        raise FileRefused(_("The first sheet is empty: its first row must name the columns."))
    total = None
    if declared is not None and header_row.number <= declared <= limits.max_rows + 1:
        total = declared - header_row.number  # an estimate: blank rows are counted
    header = [str(cell) for cell in header_row.cells]
    data = (row for row in rows if row.is_data)
    return Table(header=header, rows=limited(data, limits), total=total, notes=notes)


def limited(rows: Iterator[RawRow], limits: Limits) -> Iterator[RawRow]:
    """Yield the rows, refusing the file once there are more than the limit."""
    for count, row in enumerate(rows, start=1):
        if count > limits.max_rows:
            raise too_many_rows(limits)
        yield row
