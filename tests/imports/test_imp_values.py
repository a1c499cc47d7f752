"""Cells as people type them: fuzzy dates, ages, choices in English, Khmer and shorthand."""

import datetime as dt

import pytest

from cases.dates import Precision
from cases.models import Detention, Sex
from imports.kinds.detentions import KIND
from imports.kinds.persons import SEX
from imports.values import birth_from_age, parse_age, parse_fuzzy_date, parse_yes_no

D = dt.date


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2023-01-05", (D(2023, 1, 5), Precision.DAY, None)),
        ("05/01/2023", (D(2023, 1, 5), Precision.DAY, None)),  # day first, as in Cambodia
        ("5.1.2023", (D(2023, 1, 5), Precision.DAY, None)),
        ("2023-01", (D(2023, 1, 1), Precision.MONTH, None)),
        ("01/2023", (D(2023, 1, 1), Precision.MONTH, None)),
        ("January 2023", (D(2023, 1, 1), Precision.MONTH, None)),
        ("Jan 2023", (D(2023, 1, 1), Precision.MONTH, None)),
        ("2023", (D(2023, 1, 1), Precision.YEAR, None)),
        (" 2023 ", (D(2023, 1, 1), Precision.YEAR, None)),
        ("2023-01-05..2023-01-10", (D(2023, 1, 5), Precision.RANGE, D(2023, 1, 10))),
        ("between 2022 and 2023-03", (D(2022, 1, 1), Precision.RANGE, D(2023, 3, 31))),
        ("after 2023-01-05", (D(2023, 1, 5), Precision.AFTER, None)),
        (D(2023, 1, 5), (D(2023, 1, 5), Precision.DAY, None)),  # an XLSX date cell
        (dt.datetime(2023, 1, 5, 14, 30), (D(2023, 1, 5), Precision.DAY, None)),
    ],
)
def test_fuzzy_dates_are_read_as_the_app_understands_them(cell, expected):
    assert parse_fuzzy_date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2023-02-30", "“2023-02-30” is not a real day."),
        ("13/13/2023", "“2023-13-13” is not a real day."),
        ("1850", "Give a year between 1900 and 2200."),
        ("last spring", "“last spring” is not a date"),
        ("2023-03..2023-01", "The end of the range comes before its start."),
        ("after 2023", "“After” needs a full day"),
    ],
)
def test_wrong_dates_say_what_to_write(cell, message):
    with pytest.raises(ValueError, match=message):
        parse_fuzzy_date(cell)


def test_an_age_becomes_a_year_long_birth_window():
    assert birth_from_age(45, D(2023, 1, 5)) == (D(1977, 1, 6), Precision.RANGE, D(1978, 1, 5))
    # An arrest known to the month: the window covers every day of it.
    assert birth_from_age(45, D(2023, 1, 1), D(2023, 1, 31))[0] == D(1977, 2, 1)
    assert parse_age("45") == 45 and parse_age("45 years") == 45 and parse_age("45.0") == 45
    for wrong in ("old", "-1", "130", "45.5"):
        with pytest.raises(ValueError):
            parse_age(wrong)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("woman", Sex.WOMAN),
        ("Woman", Sex.WOMAN),
        ("F", Sex.WOMAN),
        ("female", Sex.WOMAN),
        ("ស្រី", Sex.WOMAN),
        ("ស្ត្រី", Sex.WOMAN),  # the Khmer label of the app
        ("M", Sex.MAN),
        ("ប្រុស", Sex.MAN),
        ("បុរស", Sex.MAN),
        ("?", Sex.UNKNOWN),
    ],
)
def test_sex_is_read_in_english_khmer_and_shorthand(cell, expected):
    assert SEX(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("pretrial", Detention.Kind.PRETRIAL),
        ("Pre-trial", Detention.Kind.PRETRIAL),
        ("Pretrial detention", Detention.Kind.PRETRIAL),
        ("ការឃុំខ្លួនបណ្ដោះអាសន្ន", Detention.Kind.PRETRIAL),
        ("police_custody", Detention.Kind.POLICE_CUSTODY),
        ("police custody", Detention.Kind.POLICE_CUSTODY),
        ("convicted", Detention.Kind.SENTENCE),
    ],
)
def test_detention_kinds_are_read_by_code_label_or_usual_word(cell, expected):
    assert KIND(cell) == expected


def test_a_value_outside_the_choices_lists_them():
    with pytest.raises(ValueError, match="“jail” is not one of: police_custody, pretrial,"):
        KIND("jail")
    assert parse_yes_no("Yes") is True and parse_yes_no("ទេ") is False
