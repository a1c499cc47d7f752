"""Read one cell: fuzzy dates, ages, choices spelt several ways, yes/no, lists.

Each parser takes the cell (text, or a date from a spreadsheet) and returns the value, or raises
``ValueError`` with a message for the user. Blank cells never reach a parser.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from cases.dates import Precision, normalise
from cases.forms.base import MAX_YEAR, MIN_YEAR

Cell = str | dt.date


def squeeze(text: str) -> str:
    """Return the text with runs of whitespace as one space, trimmed."""
    return " ".join(str(text).split())


def key(text: str) -> str:
    """Return the form used to compare names: case and spacing ignored."""
    return squeeze(text).casefold()


def header_key(text: str) -> str:
    """Return a column name as compared: "Date of arrest" and "date_of_arrest" are one."""
    return re.sub(r"[\s\-_.,:;/()\[\]'\"]+", "_", str(text).casefold()).strip("_")


def split_list(text: str) -> list[str]:
    """Split "a; b, c" or lines into items."""
    return [squeeze(item) for item in re.split(r"[;,\n]", str(text)) if item.strip()]


# Fuzzy dates ---------------------------------------------------------------------------------

FuzzyValue = tuple[dt.date, str, dt.date | None]  # (on, precision, until)

MONTHS = {
    name.casefold(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
ISO_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
YEAR = re.compile(r"(\d{4})")
DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{4})")
NAMED_MONTH = re.compile(r"([A-Za-z]+)\.?\s+(\d{4})")
RANGE = re.compile(
    r"(?:from |between )?(.+?)\s*(?:\.\.|\u2013|\u2014| to | and )\s*(.+)", re.IGNORECASE
)
AFTER = re.compile(r"(?:after|>)\s*(.+)", re.IGNORECASE)


def _day(year: str, month: str, day: str) -> dt.date:
    try:
        value = dt.date(int(year), int(month), int(day))
    except ValueError:
        message = _("“%(value)s” is not a real day.") % {"value": f"{year}-{month}-{day}"}
        raise ValueError(message) from None
    return _in_range(value)


def _in_range(value: dt.date) -> dt.date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(
            _("Give a year between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    return value


def _single(text: str) -> FuzzyValue:
    """Return one day, month or year written in the ways the help text lists."""
    if match := ISO_DAY.fullmatch(text):
        return _day(*match.groups()), Precision.DAY, None
    if match := DAY_FIRST.fullmatch(text):
        day, month, year = match.groups()
        return _day(year, month, day), Precision.DAY, None
    if match := ISO_MONTH.fullmatch(text):
        year, month = match.groups()
        return _day(year, month, "1"), Precision.MONTH, None
    if match := MONTH_YEAR.fullmatch(text):
        month, year = match.groups()
        return _day(year, month, "1"), Precision.MONTH, None
    if (match := NAMED_MONTH.fullmatch(text)) and match.group(1).casefold() in MONTHS:
        month = MONTHS[match.group(1).casefold()]
        return _day(match.group(2), str(month), "1"), Precision.MONTH, None
    if match := YEAR.fullmatch(text):
        return _day(match.group(1), "1", "1"), Precision.YEAR, None
    raise ValueError(
        _(
            "“%(value)s” is not a date: write 2023-01-05 (or 05/01/2023, day first), "
            "2023-01 for a month, 2023 for a year."
        )
        % {"value": text}
    )


def parse_fuzzy_date(cell: Cell) -> FuzzyValue:
    """Return ``(on, precision, until)`` from "2023-01-05", "2023-01", "2023", a range, "after"."""
    if isinstance(cell, dt.datetime):
        return _in_range(cell.date()), Precision.DAY, None
    if isinstance(cell, dt.date):
        return _in_range(cell), Precision.DAY, None
    text = squeeze(cell)
    if match := AFTER.fullmatch(text):
        on, precision, _until = _single(match.group(1))
        if precision != Precision.DAY:
            raise ValueError(_("“After” needs a full day, e.g. after 2023-01-05."))
        return on, Precision.AFTER, None
    if match := RANGE.fullmatch(text):
        first, last = _single(match.group(1)), _single(match.group(2))
        start, _end = normalise(first[0], first[1], None)
        _start, end = normalise(last[0], last[1], None)
        if end < start:
            raise ValueError(_("The end of the range comes before its start."))
        return start, Precision.RANGE, end
    return _single(text)


def describe_fuzzy(value: FuzzyValue | None) -> str:
    if value is None:
        return ""
    from cases.dates import FuzzyDate

    on, precision, until = value
    on, until = normalise(on, precision, until)
    return str(FuzzyDate(on, precision, until))


def birth_from_age(age: int, on: dt.date, until: dt.date | None = None) -> FuzzyValue:
    """Return the birth window of someone aged ``age`` on a day (or on some day up to
    ``until``): a year long, longer when the day itself is uncertain."""
    latest = on - relativedelta(years=age)
    earliest = (until or on) - relativedelta(years=age + 1) + dt.timedelta(days=1)
    return earliest, Precision.RANGE, latest


def parse_age(cell: Cell) -> int:
    text = squeeze(cell) if isinstance(cell, str) else str(cell)
    text = re.sub(r"\s*(years?|yrs?|y|ឆ្នាំ)$", "", text, flags=re.IGNORECASE)
    try:
        age = int(float(text))
    except ValueError:
        raise ValueError(_("“%(value)s” is not an age in years.") % {"value": text}) from None
    if not 0 <= age <= 120 or float(text) != age:
        raise ValueError(_("An age is a whole number of years from 0 to 120."))
    return age


def parse_whole_number(cell: Cell) -> int:
    text = squeeze(cell) if isinstance(cell, str) else str(cell)
    text = text.lstrip("#")
    if not text.isdigit():
        raise ValueError(_("“%(value)s” is not a record number.") % {"value": text})
    return int(text)


# Choices -------------------------------------------------------------------------------------


def choice_parser(
    choices: type[models.TextChoices], aliases: dict[str, Iterable[str]] | None = None
) -> Callable[[Cell], str]:
    """Return a parser accepting a choice's code, its English or Khmer label, or an alias."""

    @functools.cache
    def spellings() -> dict[str, str]:
        # English and Khmer labels whatever the language of the run: built once.
        table = {}
        for value, label in choices.choices:
            table[key(value)] = value
            table[key(value.replace("_", " "))] = value
            for language in ("en", "km"):
                with translation.override(language):
                    table[key(str(label))] = value
        for value, words in (aliases or {}).items():
            for word in words:
                table[key(word)] = value
        return table

    def parse(cell: Cell) -> str:
        text = key(str(cell)).replace("_", " ")
        table = spellings()
        found = table.get(text) or table.get(key(str(cell)))
        if found is None:
            allowed = ", ".join(value for value, _label in choices.choices)
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": squeeze(str(cell)), "allowed": allowed}
            )
        return found

    parse.choices = choices
    return parse


YES = {"yes", "y", "true", "1", "x", "✓", "បាទ", "ចាស", "មែន", "oui"}
NO = {"no", "n", "false", "0", "ទេ", "non"}


def parse_yes_no(cell: Cell) -> bool:
    text = key(str(cell))
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("Write yes or no, not “%(value)s”.") % {"value": squeeze(str(cell))})
