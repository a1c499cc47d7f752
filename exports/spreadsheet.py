"""What every file a spreadsheet opens shares: the formula check, CSV with a BOM, the types.

Formula injection: a spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (``=cmd|' /C calc'!A0`` runs a program in some), and some skip leading blanks and
control characters (a tab, a carriage return) before deciding. Such a text gets a leading
apostrophe, so it stays text. Used by the exports (``exports/columns.py``, both formats),
the statistics' table downloads (``stats/downloads.py``), the import templates and an
import's errors (``imports/downloads.py``).

CSV is UTF-8 with a byte order mark, so that Excel reads Khmer as Khmer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a formula starts with, once blanks are skipped; a tab or a carriage return first is
# quoted in any case (OWASP's list: = + - @ tab CR).
FORMULA_STARTS = frozenset("=+-@")
ALWAYS = frozenset("\t\r")
# What some spreadsheets skip before a formula: blanks and control characters, and the two
# code points XML cannot hold (an XLSX writer drops them, bringing what follows first).
SKIPPED = "".join(chr(code) for code in range(33)) + "\ufffe\uffff"
# A text whose first character is none of these never needs quoting: the one test the
# export's generated row converter makes inline before calling ``neutralise``.
RISKY_FIRST = frozenset(FORMULA_STARTS | set(SKIPPED))


def neutralise(text: str) -> str:
    """Return ``text`` with a leading apostrophe when a spreadsheet could run it as a formula."""
    if not text or text[0] not in RISKY_FIRST:
        return text
    if text[0] in FORMULA_STARTS or text[0] in ALWAYS:
        return "'" + text
    rest = text.lstrip(SKIPPED)
    if rest and rest[0] in FORMULA_STARTS:
        return "'" + text
    return text


def neutralise_cell(value):
    """Return a typed cell (text, number, date or None) with its text neutralised."""
    return neutralise(value) if value.__class__ is str else value


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """Return a whole CSV file (UTF-8, BOM first), every text cell neutralised."""
    out = io.StringIO(newline="")
    out.write(BOM)
    csv.writer(out).writerows([neutralise_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")
