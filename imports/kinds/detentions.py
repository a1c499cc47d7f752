"""Detentions: a prisoner list as NGOs keep it, one row a detention.

A row names a recorded person by number or describes a new one (name, sex, birth or age at
arrest); it may put them in a case as a defendant with charges; it adds one detention.
Rows describing the same new person (same name, Khmer name, sex and birth) are one person.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.dates import normalise
from cases.models import CaseParty, Charge, Detention, Person, Province

from ..values import (
    choice_parser,
    describe_fuzzy,
    key,
    parse_fuzzy_date,
    parse_whole_number,
)
from .base import Column, Kind, RowCheck, Run, choice_values
from .persons import (
    AGE,
    BIRTH,
    NAME,
    NAME_KHMER,
    PERSON_FIELDS,
    SEX,
    SEX_COLUMN,
    describe_person,
    read_birth,
    warn_namesakes,
)

KIND = choice_parser(
    Detention.Kind,
    {
        Detention.Kind.POLICE_CUSTODY: ("police", "custody", "garde à vue"),
        Detention.Kind.PRETRIAL: ("pre-trial", "pre trial", "pretrial", "remand", "provisional"),
        Detention.Kind.SENTENCE: ("convicted", "sentenced", "serving sentence", "prisoner"),
        Detention.Kind.SUPERVISION: ("house arrest", "judicial supervision"),
        Detention.Kind.ADMINISTRATIVE: ("drop-off", "drop off centre", "administrative"),
    },
)
END_REASON = choice_parser(Detention.EndReason, {Detention.EndReason.BAIL: ("bail",)})
PROVINCE = choice_parser(Province)
PERSON_ONLY = ("name_khmer", "sex", "birth", "age")

DETENTION_FIELDS = {
    "person": "name",
    "case": "case_reference",
    "kind": "kind",
    "facility": "facility",
    "started_on": "started",
    "started_precision": "started",
    "started_until": "started",
    "ended_on": "ended",
    "ended_precision": "ended",
    "ended_until": "ended",
    "end_reason": "end_reason",
    "conditions": "conditions",
    "source": "source",
}
PARTY_FIELDS = {"case": "case_reference", "person": "name", "role": "case_reference"}
CHARGE_FIELDS = {"party": "case_reference", "offence": "charges"}


def as_saved(record, pk: int | None):
    """Return ``record`` standing for the saved row ``pk`` (None: nothing is saved yet)."""
    if pk is not None:
        record.pk = pk
        record._state.adding = False
    return record


class DetentionsKind(Kind):
    key = "detentions"
    label = gettext_lazy("Detentions (a prisoner list)")
    perms = ("cases.add_detention", "cases.add_person", "cases.add_caseparty", "cases.add_charge")
    required_any = (("kind",), ("started",), ("name", "person_id"))
    columns = (
        NAME,
        NAME_KHMER,
        SEX_COLUMN,
        BIRTH,
        Column(
            AGE.name,
            gettext_lazy("Age in years at the start of the detention."),
            aliases=AGE.aliases,
            example="45",
        ),
        Column(
            "case_reference",
            gettext_lazy(
                "Our reference of the case, if any: the person becomes one of its defendants."
            ),
            aliases=("case", "case ref", "reference"),
        ),
        Column(
            "charges",
            gettext_lazy(
                "Offences by Criminal Code article (494) or name, separated by semicolons. "
                "Needs a case reference."
            ),
            aliases=("charge", "article", "articles", "offence", "offences", "ចោទប្រកាន់"),
            example="494; 495",
        ),
        Column(
            "kind",
            gettext_lazy("The kind of detention."),
            aliases=("detention kind", "type", "detention type"),
            example="pretrial",
            allowed=choice_values(Detention.Kind),
        ),
        Column(
            "facility",
            gettext_lazy("The facility's name, as recorded under Detention facilities."),
            aliases=("prison", "detention facility", "place of detention", "ពន្ធនាគារ"),
            example="Prey Sar (CC1)",
        ),
        Column(
            "province",
            gettext_lazy("Only checked against the facility's province; not stored."),
            aliases=("ខេត្ត",),
            allowed=choice_values(Province),
        ),
        Column(
            "started",
            gettext_lazy("Start (the arrest date): 2023-01-05, 05/01/2023, 2023-01 or 2023."),
            aliases=(
                "arrest date",
                "date of arrest",
                "arrested",
                "arrested on",
                "detained since",
                "start",
                "from",
                "ថ្ងៃចាប់ខ្លួន",
            ),
            example="2023-01-05",
        ),
        Column("ended", gettext_lazy("End, if over."), aliases=("released", "release date")),
        Column(
            "end_reason",
            gettext_lazy("Why it ended (needed with an end)."),
            aliases=("release reason",),
            allowed=choice_values(Detention.EndReason),
        ),
        Column("conditions", gettext_lazy("Conditions of detention.")),
        Column("source", gettext_lazy("Where this comes from (default: this import and row).")),
        Column(
            "person_id",
            gettext_lazy("A recorded person's number; empty: the row describes a new person."),
            aliases=("person number",),
        ),
    )

    def check(self, row: RowCheck, run: Run) -> None:
        if self.identical(row, run):
            return
        started = row.parse("started", parse_fuzzy_date)
        row.require("started")
        kind = row.parse("kind", KIND)
        row.require("kind")
        person, identity = self.person_of(row, run, started)
        case = self.case_of(row, run)
        offences = row.parse("charges", run.offences) or []
        if row.has("charges") and not row.has("case_reference"):
            row.error("charges", _("Charges belong to a case: give its case_reference."))
        detention = Detention(kind=kind or "", case=case)
        if started is not None:
            detention.started_on, detention.started_precision, detention.started_until = started
        ended = row.parse("ended", parse_fuzzy_date)
        if ended is not None:
            detention.ended_on, detention.ended_precision, detention.ended_until = ended
        detention.end_reason = row.parse("end_reason", END_REASON) or ""
        detention.facility = row.parse("facility", run.facility)
        self.check_province(row, detention)
        detention.conditions = row.text("conditions")
        detention.source = row.text("source") or run.default_source(row)
        if person is None or not row.ok:
            return
        earlier = run.first_row(("detention", identity, kind, started), row.number)
        if earlier is not None:
            row.error("", _("Row %(row)s records the same detention.") % {"row": earlier})
            return
        if person.pk is not None and self.recorded_already(row, person, kind, started):
            return
        person = self.keep_person(row, run, person, identity)
        if person is None:
            return
        party = self.party(row, run, person, identity, case) if case else None
        for offence in offences:
            self.charge(row, run, party, identity, offence)
        detention.person = person
        if run.keep(detention, row, DETENTION_FIELDS):
            run.counts.add("create", detention)
            facility = f" — {detention.facility}" if detention.facility else ""
            row.act(
                "create",
                _("New detention: %(kind)s from %(start)s%(facility)s")
                % {
                    "kind": detention.get_kind_display(),
                    "start": describe_fuzzy(started),
                    "facility": facility,
                },
            )

    # The person ------------------------------------------------------------------------------

    def person_of(self, row: RowCheck, run: Run, started) -> tuple[Person | None, tuple | None]:
        """Return the recorded or new person of the row and how to know them again."""
        if row.has("person_id"):
            pk = row.parse("person_id", parse_whole_number)
            person = run.person(pk) if pk is not None else None
            if pk is not None and person is None:
                row.error("person_id", _("No person #%(pk)s that you may see.") % {"pk": pk})
            if person is None:
                return None, None
            label = run.label(person)
            if row.has("name") and key(row.text("name")) != key(label):
                row.error(
                    "name",
                    _("Person #%(pk)s is recorded as “%(label)s”, not “%(name)s”.")
                    % {"pk": pk, "label": label, "name": row.text("name")},
                )
            ignored = [column for column in PERSON_ONLY if row.has(column)]
            if ignored:
                row.warn(
                    ignored[0],
                    _("Ignored for a recorded person (%(columns)s): edit the person instead.")
                    % {"columns": ", ".join(ignored)},
                )
            return person, ("person", person.pk)
        if not row.require("name", _("Give the name, or a recorded person's number.")):
            return None, None
        person = Person(name=row.text("name"), name_khmer=row.text("name_khmer"))
        person.sex = row.parse("sex", SEX) or person.sex
        if row.has("age") and started is None:
            row.error("age", _("An age needs the start date (the age at arrest)."))
            birth = row.parse("birth", parse_fuzzy_date)
        else:
            # The age at arrest: when only the month or year of the arrest is known, the
            # birth window widens by as much.
            first, last = normalise(*started) if started else (None, None)
            birth = read_birth(row, age_on=first, age_until=last or first)
        if birth is not None:
            person.birth_on, person.birth_precision, person.birth_until = birth
        person.source = row.text("source") or run.default_source(row)
        # Rows agreeing on all of these describe one person; the age is the age at each
        # arrest, so two detentions years apart need the birth to be recognised as one.
        identity = (
            "new person",
            key(person.name),
            key(person.name_khmer),
            person.sex,
            row.text("birth"),
            row.text("age"),
        )
        return person, identity

    def keep_person(self, row: RowCheck, run: Run, person: Person, identity) -> Person | None:
        """Return the person to use: recorded, made by an earlier row, or new (validated)."""
        if identity[0] == "person":
            row.act(
                "link",
                _("Recorded person #%(pk)s “%(label)s”")
                % {"pk": person.pk, "label": run.label(person)},
            )
            return person
        earlier = run.shared.get(identity)
        if earlier is not None:
            number, pk = earlier
            row.act("link", _("The same new person as row %(row)s") % {"row": number})
            # This row describes that person alike: stand for the one the earlier row saved
            # (the check saved nothing: the row's own copy is as valid as the earlier one).
            return as_saved(person, pk)
        warn_namesakes(row, run, person, id_column="person_id")
        if not run.keep(person, row, PERSON_FIELDS):
            return None
        # Only numbers are kept from row to row: 50,000 rows must not hold 50,000 records.
        run.shared[identity] = (row.number, person.pk)
        run.counts.add("create", person)
        row.act("create", _("New person %(person)s") % {"person": describe_person(person)})
        return person

    # The case, the party, the charges ---------------------------------------------------------

    def case_of(self, row: RowCheck, run: Run):
        if not row.has("case_reference"):
            return None
        reference = row.text("case_reference")
        case = run.case(reference)
        if case is None:
            row.error(
                "case_reference",
                _("No case with the reference “%(ref)s” that you may see.") % {"ref": reference},
            )
        elif not run.may_edit(case):
            row.error("case_reference", _("You may not change case %(ref)s.") % {"ref": reference})
            return None
        return case

    def party(self, row: RowCheck, run: Run, person: Person, identity, case) -> CaseParty:
        """Return the person's defendant party in the case: recorded, made earlier, or new."""
        shared = run.shared.get(("party", identity, case.pk))
        if shared is not None:
            _number, pk = shared
            return as_saved(CaseParty(case=case, person=person, role=CaseParty.Role.DEFENDANT), pk)
        party = None
        if person.pk is not None:
            party = CaseParty.objects.filter(
                case=case, person=person, role=CaseParty.Role.DEFENDANT
            ).first()
        if party is not None:
            row.act("link", _("Already a defendant in %(ref)s") % {"ref": case.reference})
        else:
            party = CaseParty(
                case=case,
                person=person,
                role=CaseParty.Role.DEFENDANT,
                source=row.text("source") or run.default_source(row),
            )
            if run.keep(party, row, PARTY_FIELDS):
                run.counts.add("create", party)
                row.act("create", _("Becomes a defendant in %(ref)s") % {"ref": case.reference})
        run.shared[("party", identity, case.pk)] = (row.number, party.pk)
        return party

    def charge(self, row: RowCheck, run: Run, party: CaseParty | None, identity, offence):
        if party is None:
            return
        shared_key = ("charge", identity, party.case_id, offence.pk)
        recorded = (
            party.pk is not None and Charge.objects.filter(party=party, offence=offence).exists()
        )
        if recorded or shared_key in run.shared:
            row.act("link", _("Already charged with %(offence)s") % {"offence": offence})
            return
        charge = Charge(party=party, offence=offence, source=run.default_source(row))
        if run.keep(charge, row, CHARGE_FIELDS):
            run.shared[shared_key] = (row.number, charge.pk)
            run.counts.add("create", charge)
            row.act("create", _("New charge: %(offence)s") % {"offence": offence})

    # Checks against what is recorded ---------------------------------------------------------

    @staticmethod
    def recorded_already(row: RowCheck, person: Person, kind, started) -> bool:
        if kind is None or started is None:
            return False
        recorded = Detention.objects.filter(person=person, kind=kind, started_on=started[0])
        found = recorded.order_by("pk").first()
        if found is None:
            return False
        row.error(
            "started",
            _("Detention #%(pk)s of this person, of this kind and start, is recorded already.")
            % {"pk": found.pk},
        )
        return True

    @staticmethod
    def check_province(row: RowCheck, detention: Detention) -> None:
        province = row.parse("province", PROVINCE)
        if province is None:
            return
        facility = detention.facility
        if facility is None or not facility.province:
            row.warn("province", _("Only checked against a facility's province; not stored."))
        elif facility.province != province:
            row.error(
                "province",
                _("%(facility)s is in %(recorded)s, not %(given)s.")
                % {
                    "facility": facility,
                    "recorded": facility.get_province_display(),
                    "given": Province(province).label,
                },
            )
