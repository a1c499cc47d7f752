"""People: one row a person, added, or updated when the row gives the person's number."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.trail import diff, snapshot
from cases.dates import Precision
from cases.models import Person, Role, Sex

from ..values import (
    FuzzyValue,
    birth_from_age,
    choice_parser,
    describe_fuzzy,
    key,
    parse_age,
    parse_fuzzy_date,
    parse_whole_number,
    parse_yes_no,
    split_list,
)
from .base import Column, Kind, RowCheck, Run, choice_values

SEX = choice_parser(
    Sex,
    {
        Sex.WOMAN: ("f", "female", "w", "women", "girl", "srey", "ស្រី", "នារី"),
        Sex.MAN: ("m", "male", "men", "boy", "bros", "pros", "ប្រុស"),
        Sex.UNKNOWN: ("u", "?", "n/a", "not known", "មិនដឹង"),
    },
)

NAME = Column(
    "name",
    gettext_lazy("Romanised name, family name first (e.g. Kem Sokha)."),
    aliases=("full name", "name romanised", "person", "prisoner", "detainee", "ឈ្មោះ"),
    example="Kem Sokha",
)
NAME_KHMER = Column(
    "name_khmer",
    gettext_lazy("The name in Khmer script."),
    aliases=("khmer name", "name in khmer", "ឈ្មោះខ្មែរ"),
    example="កឹម សុខា",
)
SEX_COLUMN = Column(
    "sex",
    gettext_lazy("woman, man, other or unknown (also F / M, or in Khmer). Empty: unknown."),
    aliases=("gender", "ភេទ"),
    example="man",
    allowed=choice_values(Sex),
)
BIRTH = Column(
    "birth",
    gettext_lazy(
        "Date of birth: 1953-06-05, 05/06/1953 (day first), 1953-06 or 1953. Or give the age."
    ),
    aliases=("born", "date of birth", "dob", "birth date", "birth year", "year of birth"),
    example="1953",
)
AGE = Column(
    "age",
    gettext_lazy("Age in years, when the birth date is not known."),
    aliases=("អាយុ", "age years"),
    example="",
)

# Model fields -> the column the user fills, to put the model's errors in the right place.
PERSON_FIELDS = {
    "name": "name",
    "name_khmer": "name_khmer",
    "aliases": "aliases",
    "sex": "sex",
    "birth_on": "birth",
    "birth_precision": "birth",
    "birth_until": "birth",
    "nationality": "nationality",
    "group": "group",
    "is_named": "named",
    "is_protected": "pseudonym",
    "pseudonym": "pseudonym",
    "contact": "contact",
    "notes": "notes",
    "source": "source",
}


def read_birth(
    row: RowCheck, *, age_on: dt.date | None, age_until: dt.date | None = None
) -> FuzzyValue | None:
    """Return the birth from the birth column, or from the age on a day; check they agree.

    ``age_on`` to ``age_until``: when the day the age was given is known only as a month or
    a year, the birth window covers every day of it.
    """
    birth = row.parse("birth", parse_fuzzy_date)
    age = row.parse("age", parse_age)
    if age is None or age_on is None:
        return birth
    from_age = birth_from_age(age, age_on, age_until or age_on)
    if birth is None:
        return from_age
    from cases.dates import normalise

    earliest, latest = normalise(*birth)
    if (latest or dt.date.max) < from_age[0] or earliest > from_age[2]:
        row.error(
            "age",
            _("Someone born %(birth)s was not %(age)s on %(day)s.")
            % {"birth": describe_fuzzy(birth), "age": age, "day": age_on.isoformat()},
        )
    return birth


def describe_person(person: Person) -> str:
    details = [person.get_sex_display().lower()]
    if person.birth_on is not None:
        birth = (person.birth_on, person.birth_precision, person.birth_until)
        details.append(_("born %(when)s") % {"when": describe_fuzzy(birth)})
    return f"“{person.name}” ({', '.join(details)})"


def warn_namesakes(row: RowCheck, run: Run, person: Person, *, id_column: str) -> None:
    """Warn when the new person may be recorded already, or added by an earlier row.

    Only in the check: the import writes what the user confirmed, warnings and all.
    """
    if run.write:
        return
    found = run.namesakes.find(person, row.number)
    if found.recorded:
        listed = "; ".join(
            f"#{other.pk} “{run.label(other)}” ({why})" for other, why in found.recorded
        )
        row.warn(
            "name",
            _(
                "Maybe recorded already: %(people)s. To use that person, put their number "
                "in the “%(id)s” column; left empty, a new person is added."
            )
            % {"people": listed, "id": id_column},
        )
    if found.rows:
        row.warn(
            "name",
            ngettext(
                "Row %(rows)s adds someone with a like name: check it is not this person.",
                "Rows %(rows)s add someone with a like name: check none is this person.",
                len(found.rows),
            )
            % {
                "rows": ", ".join(str(number) for number in found.rows[:10])
                + (", …" if len(found.rows) > 10 else "")
            },
        )
    run.namesakes.add(person, row.number)


class PersonsKind(Kind):
    key = "persons"
    label = gettext_lazy("People")
    perms = ("cases.add_person", "cases.change_person")
    required_any = (("name", "id"),)
    columns = (
        NAME,
        NAME_KHMER,
        Column(
            "aliases",
            gettext_lazy("Other spellings and names, separated by semicolons."),
            aliases=("alias", "other names"),
        ),
        SEX_COLUMN,
        BIRTH,
        AGE,
        Column(
            "age_on",
            gettext_lazy("The day the age was given (default: today)."),
            aliases=("age on", "age at"),
        ),
        Column("nationality", gettext_lazy("Nationality."), example="Cambodian"),
        Column(
            "roles",
            gettext_lazy("Roles in public life, separated by semicolons."),
            aliases=("role",),
            example="political_activist",
            allowed=choice_values(Role.Code),
        ),
        Column(
            "group",
            gettext_lazy("The label of a documented group of people, as recorded."),
            aliases=("person group",),
        ),
        Column(
            "named",
            gettext_lazy("yes, or no for an unnamed member of a group. Empty: yes."),
            aliases=("is named",),
        ),
        Column(
            "pseudonym",
            gettext_lazy("Filled: the identity is protected and shown by this pseudonym."),
        ),
        Column("contact", gettext_lazy("Contact details.")),
        Column("notes", gettext_lazy("Notes.")),
        Column("source", gettext_lazy("Where this comes from (default: this import and row).")),
        Column(
            "id",
            gettext_lazy("Empty to add a person; a person's number to update that person."),
            aliases=("person id", "number", "no"),
        ),
    )

    def check(self, row: RowCheck, run: Run) -> None:
        if self.identical(row, run):
            return
        person = self.person_of(row, run)
        if person is None:
            return
        updating = person.pk is not None
        before = snapshot(person)
        roles_before = set(person.roles.all()) if updating else set()
        for column in ("name", "name_khmer", "nationality", "contact", "notes", "source"):
            if row.has(column):
                setattr(person, column, row.text(column))
        if row.has("aliases"):
            person.aliases = "\n".join(split_list(row.text("aliases").replace(",", ";")))
        if (sex := row.parse("sex", SEX)) is not None:
            person.sex = sex
        age_on = self.age_on(row)
        birth = read_birth(row, age_on=age_on)
        if birth is not None:
            person.birth_on, person.birth_precision, person.birth_until = birth
        if (group := row.parse("group", run.group)) is not None:
            person.group = group
        if (named := row.parse("named", parse_yes_no)) is not None:
            person.is_named = named
        if row.has("pseudonym"):
            person.pseudonym, person.is_protected = row.text("pseudonym"), True
        roles = row.parse("roles", run.roles)
        if not updating and not person.source:
            person.source = run.default_source(row)
        if not row.ok:
            return
        self.note_duplicates(row, run, person, birth)
        changes = diff(before, snapshot(person)) if updating else {}
        roles_changed = roles is not None and set(roles) != roles_before
        if updating and not changes and not roles_changed:
            row.act("unchanged", _("Person #%(pk)s: nothing to change.") % {"pk": person.pk})
            return
        if not run.keep(person, row, PERSON_FIELDS):
            return
        if run.write and roles is not None:
            person.roles.set(roles)
        if updating:
            run.counts.add("update", person)
            row.act("update", self.describe_update(run, person, changes, roles_changed))
        else:
            run.counts.add("create", person)
            row.act("create", _("New person %(person)s") % {"person": describe_person(person)})

    def person_of(self, row: RowCheck, run: Run) -> Person | None:
        """Return the person the row updates (by number) or a new one; None on an error."""
        if not row.has("id"):
            if row.require("name", _("Required to add a person.")):
                return Person()
            return None
        pk = row.parse("id", parse_whole_number)
        if pk is None:
            return None
        person = run.person(pk)
        if person is None:
            row.error("id", _("No person #%(pk)s that you may see.") % {"pk": pk})
            return None
        earlier = run.first_row(("person", pk), row.number)
        if earlier is not None:
            row.error("id", _("Row %(row)s already updates this person.") % {"row": earlier})
            return None
        if person.is_protected and not run.sees_protected:
            row.error("id", _("You may not change this protected identity."))
            return None
        return person

    @staticmethod
    def age_on(row: RowCheck) -> dt.date:
        day = row.parse("age_on", parse_fuzzy_date)
        if day is None:
            return timezone.localdate()
        if day[1] != Precision.DAY:
            row.error("age_on", _("Give the full day the age was given."))
        return day[0]

    @staticmethod
    def note_duplicates(row: RowCheck, run: Run, person: Person, birth) -> None:
        if person.pk is not None:
            return
        identity = ("new person", key(person.name), key(person.name_khmer), person.sex, birth)
        earlier = run.first_row(identity, row.number)
        if earlier is not None:
            row.error(
                "name",
                _("Row %(row)s adds the same person (same name, sex and birth).")
                % {"row": earlier},
            )
            return
        warn_namesakes(row, run, person, id_column="id")

    @staticmethod
    def describe_update(run: Run, person: Person, changes: dict, roles_changed: bool) -> str:
        hidden = person.is_protected and not run.sees_protected
        parts = []
        for name, (old, new) in changes.items():
            label = str(Person._meta.get_field(name).verbose_name)
            if hidden and name in Person.protected_identity_fields:
                parts.append(_("%(field)s changed") % {"field": label})
            else:
                parts.append(f"{label}: {old or '—'} → {new or '—'}")
        if roles_changed:
            parts.append(_("roles changed"))
        return _("Person #%(pk)s “%(label)s”: %(changes)s") % {
            "pk": person.pk,
            "label": run.label(person),
            "changes": "; ".join(parts),
        }
