"""What every kind of import shares: its columns, one row's check, and the run's lookups.

A kind reads a row into unsaved model instances and validates them with the models' own rules
(``full_clean``: fields, ``clean()``, constraints). In a check nothing is saved; in the import
the same code saves each instance after validating it, inside the import's transaction.
"""

from __future__ import annotations

import difflib
import hashlib
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cases import access
from cases.models import Case, Court, DetentionFacility, Offence, Person, PersonGroup, Role
from exports.spreadsheet import neutralise

from ..files import FileRefused, RawRow
from ..namesakes import Namesakes
from ..values import Cell, choice_parser, header_key, key, split_list, squeeze

ROLE = choice_parser(Role.Code)


@dataclass(frozen=True)
class Column:
    """One column a kind reads: its name in the template, other spellings, what goes in it."""

    name: str
    help: str | Promise
    aliases: tuple[str, ...] = ()
    example: str = ""
    # For the template's README: the allowed values (choices), or where to find them.
    allowed: Callable[[], list[str]] | None = None

    def spellings(self) -> set[str]:
        return {header_key(self.name), *(header_key(alias) for alias in self.aliases)}


def choice_values(choices: type[models.TextChoices]) -> Callable[[], list[str]]:
    return lambda: [f"{value} ({label})" for value, label in choices.choices]


def letter(position: int) -> str:
    """Return the spreadsheet letter of a 0-based column position: 0 → A, 27 → AB."""
    name = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        name = string.ascii_uppercase[rest] + name
    return name


# The longest cell value kept beside an error in the report.
MAX_VALUE = 200


class RowCheck:
    """One data row: its cells by column name, and what checking it found and planned."""

    def __init__(self, number: int, values: dict[str, Cell]):
        self.number = number
        self.values = values
        self.errors: list[dict] = []
        self.warnings: list[dict] = []
        self.actions: list[dict] = []

    @classmethod
    def from_raw(cls, raw: RawRow, positions: dict[int, str], width: int) -> RowCheck:
        """Return the row's cells under their column names, with layout problems noted.

        ``width`` is the number of cells of the first row. A CSV record with another number
        of cells has a separator too many or too few, which shifts every value after it.
        """
        row = cls(raw.number, {})
        for index, cell in enumerate(raw.cells):
            name = positions.get(index)
            if name is not None:
                row.values[name] = cell
                if index in raw.formulas:
                    row.warn(name, _("A formula: its text is imported, never calculated."))
                elif isinstance(cell, str) and cell.startswith("="):
                    row.warn(name, _("Starts with “=”: imported as text, never calculated."))
            elif cell != "" and index < width:
                row.error(
                    "",
                    _("Column %(letter)s has a value but no name in the first row.")
                    % {"letter": letter(index)},
                )
        longer = any(cell != "" for cell in raw.cells[width:])
        if longer or (raw.fixed_width and len(raw.cells) != width):
            row.error(
                "",
                _(
                    "This row has %(cells)s cells but the first row has %(columns)s: a "
                    "separator too many or too few shifts the values."
                )
                % {"cells": len(raw.cells), "columns": width},
            )
        return row

    # Reading cells -------------------------------------------------------------------------

    def has(self, column: str) -> bool:
        return self.values.get(column, "") != ""

    def text(self, column: str) -> str:
        value = self.values.get(column, "")
        return squeeze(value) if isinstance(value, str) else value.isoformat()

    def parse(self, column: str, parser: Callable[[Cell], object]):
        """Return the parsed cell, or None when it is blank or wrong (the error is noted)."""
        if not self.has(column):
            return None
        try:
            return parser(self.values[column])
        except ValueError as error:
            self.error(column, str(error))
            return None

    def require(self, column: str, why: str | Promise = "") -> bool:
        if self.has(column):
            return True
        self.error(column, str(why) or _("Required."))
        return False

    # Findings --------------------------------------------------------------------------------

    def error(self, column: str, message) -> None:
        """Note an error; the cell's value goes with it (the report's CSV of errors)."""
        error = {"column": column, "message": str(message)}
        if self.has(column):
            error["value"] = self.text(column)[:MAX_VALUE]
        self.errors.append(error)

    def warn(self, column: str, message) -> None:
        self.warnings.append({"column": column, "message": str(message)})

    def act(self, verb: str, text) -> None:
        self.actions.append({"verb": verb, "text": str(text)})

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Counts:
    """What a run created and changed, by model: ``{"create": {"person": 2}, ...}``."""

    table: dict[str, Counter] = field(default_factory=lambda: {"create": Counter()})

    def add(self, verb: str, model: type[models.Model] | models.Model) -> None:
        self.table.setdefault(verb, Counter())[model._meta.model_name] += 1

    def as_dict(self) -> dict:
        return {verb: dict(counter) for verb, counter in self.table.items() if counter}


class Run:
    """The lookups and bookkeeping of one pass over a file, shared by its rows."""

    def __init__(self, *, user, write: bool, source: str):
        self.user = user
        self.write = write
        self.source = source  # "import #12: prisoners.csv": the default source of new records
        self.sees_protected = access.sees_protected_identities(user)
        self.counts = Counts()
        self.first_rows: dict[tuple, int] = {}
        self.namesakes = Namesakes(user, sees_protected=self.sees_protected)
        # What one row made, for later rows: {identity: (row number, primary key or None)}.
        self.shared: dict[tuple, tuple[int, int | None]] = {}
        self._tables: dict[str, dict[str, object]] = {}
        self._cases: dict[str, Case | None] = {}
        self._offences: tuple[dict, dict] | None = None

    # In-file duplicates ----------------------------------------------------------------------

    def first_row(self, identity: tuple, number: int) -> int | None:
        """Return the earlier row with this identity, or None (remembering this one)."""
        earlier = self.first_rows.get(identity)
        if earlier is None:
            self.first_rows[identity] = number
        return earlier

    # Reference data --------------------------------------------------------------------------

    def _table(self, model: type[models.Model], label: str) -> dict[str, object]:
        """Return the live records of a reference model by name, loaded once a run.

        A name that starts like a formula is also found as the template's list writes it,
        behind an apostrophe (``exports.spreadsheet.neutralise``).
        """
        name = model._meta.model_name
        if name not in self._tables:
            table = self._tables[name] = {}
            for record in model._default_manager.order_by():
                text = getattr(record, label)
                table[key(text)] = table[key(neutralise(text))] = record
        return self._tables[name]

    def facility(self, name: str) -> DetentionFacility:
        table = self._table(DetentionFacility, "name")
        return self._known(table, name, _("No detention facility is called “%(name)s”."))

    def court(self, name: str) -> Court:
        table = self._table(Court, "name")
        return self._known(table, name, _("No court is called “%(name)s”."))

    def group(self, label: str) -> PersonGroup:
        table = self._table(PersonGroup, "label")
        return self._known(table, label, _("No group of people is called “%(name)s”."))

    def roles(self, text: str) -> list[Role]:
        codes = [ROLE(item) for item in split_list(text)]
        table = self._table(Role, "code")
        return [table[key(code)] for code in codes]

    @staticmethod
    def _known(table: dict, name: str, message) -> object:
        found = table.get(key(name))
        if found is None:
            close = difflib.get_close_matches(key(name), table, n=1, cutoff=0.6)
            hint = (
                _("Did you mean “%(name)s”?") % {"name": table[close[0]]}
                if close
                else _("Add it first, or correct the spelling.")
            )
            raise ValueError(f"{message % {'name': squeeze(name)}} {hint}")
        return found

    def offences(self, text: str) -> list[Offence]:
        """Return the offences named by article ("494", "art. 494") or by name."""
        if self._offences is None:
            by_article: dict[str, list[Offence]] = {}
            by_name: dict[str, list[Offence]] = {}
            for offence in Offence.objects.order_by("article", "name"):
                if offence.article:
                    by_article.setdefault(key(offence.article), []).append(offence)
                by_name.setdefault(key(offence.name), []).append(offence)
            self._offences = (by_article, by_name)
        by_article, by_name = self._offences
        found = []
        for item in split_list(text):
            # "494 — Incitement", as the template's list of offences writes them.
            article = key(item.split("\u2014", 1)[0])
            for prefix in ("article ", "art. ", "art.", "art "):
                if article.startswith(prefix):
                    article = article.removeprefix(prefix).strip()
            matches = by_article.get(article) or by_name.get(key(item)) or []
            if not matches:
                raise ValueError(
                    _("No offence has the article or name “%(item)s”.") % {"item": item}
                    + " "
                    + _("Add it first, or correct it.")
                )
            if len(matches) > 1:
                raise ValueError(
                    _("“%(item)s” could mean %(offences)s: write the name of the offence instead.")
                    % {"item": item, "offences": "; ".join(str(o) for o in matches)}
                )
            if matches[0] not in found:
                found.append(matches[0])
        return found

    def case(self, reference: str) -> Case | None:
        """Return the case with this reference the user may see, or None."""
        ref = key(reference)
        if ref not in self._cases:
            self._cases[ref] = (
                Case.objects.visible_to(self.user)
                .filter(reference__iexact=squeeze(reference))
                .first()
            )
        return self._cases[ref]

    def may_edit(self, case: Case) -> bool:
        return Case.objects.editable_by(self.user).filter(pk=case.pk).exists()

    def person(self, pk: int) -> Person | None:
        return Person.objects.visible_to(self.user).filter(pk=pk).first()

    def label(self, person: Person) -> str:
        return person.label_for(self.user)

    # Validating and saving -------------------------------------------------------------------

    def keep(self, obj: models.Model, row: RowCheck, columns: dict[str, str]) -> bool:
        """Validate with the model's rules (and save, in the import); note errors by column."""
        try:
            validate(obj)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = columns.get(name, "") if name != NON_FIELD_ERRORS else ""
                for message in messages:
                    row.error(column, message)
            return False
        if self.write and row.ok:
            obj.save()
        return True

    def default_source(self, row: RowCheck) -> str:
        return f"{self.source}, row {row.number}"[:300]


def validate(obj: models.Model) -> None:
    """Run ``full_clean()``'s steps, without the queries that would only repeat this run's.

    The related records a row names come from this run's lookups (live and visible to the
    user), so their fields are not looked up again; those not saved yet (the check saves
    nothing) are left out of the unique checks too. Check constraints are evaluated by the
    database (one query each) only for the models with unique constraints: elsewhere each
    has its twin in ``clean()`` (CONVENTIONS.md), and the database enforces it on save.
    """
    related = {
        field.name
        for field in obj._meta.concrete_fields
        if field.is_relation
        and field.name in obj._state.fields_cache
        and getattr(obj, field.name) is not None
    }
    unsaved = {name for name in related if getattr(obj, name).pk is None}
    errors: dict = {}
    try:
        obj.clean_fields(exclude=related)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        obj.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    exclude = unsaved | {name for name in errors if name != NON_FIELD_ERRORS}
    checks = [obj.validate_unique]
    if any(isinstance(c, models.UniqueConstraint) for c in obj._meta.constraints):
        checks.append(obj.validate_constraints)
    for check in checks:
        try:
            check(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


class Kind:
    """One kind of import; subclasses name the columns and check a row."""

    key = ""
    label: str | Promise = ""
    columns: tuple[Column, ...] = ()
    # The file must name at least one column of each group.
    required_any: tuple[tuple[str, ...], ...] = ()
    perms: tuple[str, ...] = ()

    def may_import(self, user) -> bool:
        """Supervisors and admins import; a field monitor does not (README "Imports")."""
        return access.manages_all_cases(user) and user.has_perms(self.perms)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def positions(self, header: list[str]) -> dict[int, str]:
        """Return ``{position: column name}``; refuse unknown, repeated or missing columns."""
        spellings = {
            spelling: column.name for column in self.columns for spelling in column.spellings()
        }
        positions: dict[int, str] = {}
        unknown, repeated = [], []
        for index, title in enumerate(header):
            if not str(title).strip():
                continue
            name = spellings.get(header_key(title))
            if name is None:
                unknown.append(f"{letter(index)} “{squeeze(title)}”")
            elif name in positions.values():
                repeated.append(f"{letter(index)} “{squeeze(title)}”")
            else:
                positions[index] = name
        problems = []
        if unknown:
            problems.append(
                _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}
                + " "
                + _("Rename or delete them. The columns of this kind are: %(names)s.")
                % {"names": ", ".join(column.name for column in self.columns)}
            )
        if repeated:
            problems.append(
                _("Columns given twice: %(columns)s.") % {"columns": ", ".join(repeated)}
            )
        present = set(positions.values())
        for group in self.required_any:
            if not present & set(group):
                problems.append(
                    _("Missing column: %(names)s.")
                    % {"names": _(" or ").join(f"“{name}”" for name in group)}
                )
        if problems:
            raise FileRefused(*problems)
        return positions

    def check(self, row: RowCheck, run: Run) -> None:
        raise NotImplementedError

    def identical(self, row: RowCheck, run: Run) -> bool:
        """Note an error when the row repeats an earlier one cell for cell."""
        cells = sorted((k, str(v)) for k, v in row.values.items() if v != "")
        # A digest, not the cells: 50,000 rows of text need not stay in memory.
        identity = ("row", hashlib.blake2b(repr(cells).encode(), digest_size=16).digest())
        earlier = run.first_row(identity, row.number)
        if earlier is not None:
            row.error("", _("The same as row %(row)s.") % {"row": earlier})
            return True
        return False
