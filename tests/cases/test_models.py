"""Every constraint holds at the database and speaks through ``full_clean()``; model rules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.dates import Precision
from cases.models import (
    Affiliation,
    Case,
    CaseParty,
    Charge,
    Detention,
    DetentionExtension,
    DetentionFacility,
    DuplicateDismissal,
    FollowUp,
    Hearing,
    LegalRule,
    MergeRecord,
    Offence,
    Person,
    TrialOutcome,
    format_months,
)
from tests.factories import (
    make_case,
    make_charge,
    make_detention,
    make_hearing,
    make_offence,
    make_organisation,
    make_outcome,
    make_party,
    make_person,
)

pytestmark = pytest.mark.django_db

D = dt.date
BAD_RANGE = "The last possible day cannot be before the first."


def bad_range(prefix: str, on: dt.date | None = None) -> dict:
    """Return the fields of a fuzzy range that ends before it starts."""
    on = on or D(2023, 5, 1)
    return {
        f"{prefix}_on": on,
        f"{prefix}_precision": Precision.RANGE,
        f"{prefix}_until": on - dt.timedelta(days=30),
    }


def at(day: dt.date, hour: int = 8) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# Each maker returns an unsaved row that breaks exactly one constraint; the rows it needs
# (and, for a unique constraint, the row it duplicates) are saved first.


def person_birth_range():
    return Person(name="Sok", **bad_range("birth"))


def person_protected_without_pseudonym():
    return Person(name="Sok", is_protected=True, pseudonym="")


def person_unnamed_without_group():
    return Person(name="Unnamed", is_named=False, group=None)


def affiliation(**kw):
    return Affiliation(person=make_person(), organisation=make_organisation(), **kw)


def affiliation_start_range():
    return affiliation(**bad_range("start"))


def affiliation_end_range():
    return affiliation(start_on=D(2020, 1, 1), **bad_range("end"))


def affiliation_end_before_start():
    return affiliation(start_on=D(2020, 1, 1), end_on=D(2019, 1, 1))


def facility_without_capacity():
    return DetentionFacility(name="Prey Sar", kind=DetentionFacility.Kind.PRISON, capacity=0)


def merge_into_self():
    person = make_person()
    return MergeRecord(survivor=person, merged=person)


def dismissal_twice():
    first, second = make_person(), make_person()
    DuplicateDismissal.objects.create(person_low=first, person_high=second)
    return DuplicateDismissal(person_low=first, person_high=second)


def dismissal_upside_down():
    first, second = make_person(), make_person()
    return DuplicateDismissal(person_low=second, person_high=first)


def offence_twice():
    first = make_offence(name="Incitement", article="494")
    return Offence(name=first.name, article=first.article, law=first.law)


def offence_penalty_upside_down():
    return Offence(name="Plotting", article="453", min_penalty_months=120, max_penalty_months=60)


def case_opened_range():
    return Case(reference="C-1", title="T", category=Case.Category.LAND, **bad_range("opened"))


def party_person_and_organisation():
    return CaseParty(
        case=make_case(),
        person=make_person(),
        organisation=make_organisation(),
        role=CaseParty.Role.DEFENDANT,
    )


def party_nobody():
    return CaseParty(case=make_case(), role=CaseParty.Role.DEFENDANT)


def party_person_twice():
    first = make_party()
    return CaseParty(case=first.case, person=first.person, role=first.role)


def party_organisation_twice():
    first = make_party(organisation=make_organisation(), role=CaseParty.Role.VICTIM)
    return CaseParty(case=first.case, organisation=first.organisation, role=first.role)


def charge_twice():
    first = make_charge()
    return Charge(party=first.party, offence=first.offence)


def charge_range():
    return Charge(party=make_party(), offence=make_offence(), **bad_range("charged"))


def hearing_next_before_this():
    return Hearing(
        case=make_case(), scheduled_at=at(D(2023, 3, 1)), next_hearing_at=at(D(2023, 2, 1))
    )


def outcome(**kw):
    kw.setdefault("verdict", TrialOutcome.Verdict.CONVICTED)
    return TrialOutcome(party=make_party(), **kw)


def outcome_twice():
    first = make_outcome()
    return TrialOutcome(party=first.party, instance=first.instance, verdict=first.verdict)


def outcome_verdict_range():
    return outcome(**bad_range("verdict"))


def outcome_appeal_range():
    return outcome(verdict_on=D(2023, 3, 3), **bad_range("appeal_filed", on=D(2023, 4, 30)))


def outcome_suspended_over_sentence():
    return outcome(sentence_months=12, suspended_months=24)


def outcome_appeal_before_verdict():
    return outcome(verdict_on=D(2023, 3, 3), appeal_filed_on=D(2023, 3, 1))


def outcome_fine_without_currency():
    return outcome(fine_amount=Decimal(2_000_000), fine_currency="")


def outcome_damages_without_currency():
    return outcome(damages_amount=Decimal(500), damages_currency="")


def detention(**kw):
    kw.setdefault("started_on", D(2023, 1, 20))
    return Detention(person=make_person(), kind=Detention.Kind.PRETRIAL, **kw)


def detention_started_range():
    return detention(**bad_range("started"))


def detention_ended_range():
    return detention(end_reason=Detention.EndReason.BAIL, **bad_range("ended"))


def detention_ends_before_start():
    return detention(ended_on=D(2023, 1, 1), end_reason=Detention.EndReason.BAIL)


def detention_reason_without_end():
    return detention(end_reason=Detention.EndReason.BAIL)


def extension_without_length():
    return DetentionExtension(detention=make_detention(), ordered_on=D(2023, 7, 1))


def followup_done_range():
    return FollowUp(
        case=make_case(), kind=FollowUp.Kind.LETTER, description="Letter", **bad_range("done")
    )


def followup_done_without_date():
    return FollowUp(
        case=make_case(),
        kind=FollowUp.Kind.LETTER,
        description="Letter",
        status=FollowUp.Status.DONE,
    )


def rule(**kw):
    return LegalRule(
        measure="pretrial",
        period_months=4,
        article="CCPC art. 209",
        source="Test",
        confidence="high",
        effective_from=D(2007, 8, 10),
        **kw,
    )


def rule_ends_before_it_starts():
    return rule(effective_until=D(2007, 1, 1))


def rule_share_over_one():
    return rule(share_numerator=4, share_denominator=3)


def rule_cap_share_zero():
    return rule(cap_share_of_min_penalty=Decimal(0))


ALREADY_EXISTS = "already exists."

# constraint name, maker, field full_clean() should name, message (or its end)[, why it
# fails today: the full_clean() test is then an expected failure]
CONSTRAINTS = [
    (
        "mergerecord_two_people",
        merge_into_self,
        "merged",
        "A person cannot be merged into themselves.",
    ),
    (
        "dismissal_unique_pair",
        dismissal_twice,
        NON_FIELD_ERRORS,
        "This pair is already dismissed.",
    ),
    (
        "dismissal_ordered_pair",
        dismissal_upside_down,
        "person_high",
        "The first person must have the smaller number.",
    ),
    ("person_birth_range_ordered", person_birth_range, "birth_until", BAD_RANGE),
    (
        "person_protected_has_pseudonym",
        person_protected_without_pseudonym,
        "pseudonym",
        "A protected identity needs a pseudonym.",
    ),
    (
        "person_unnamed_in_group",
        person_unnamed_without_group,
        "group",
        "An unnamed person must belong to a group.",
    ),
    ("affiliation_start_range_ordered", affiliation_start_range, "start_until", BAD_RANGE),
    ("affiliation_end_range_ordered", affiliation_end_range, "end_until", BAD_RANGE),
    (
        "affiliation_end_after_start",
        affiliation_end_before_start,
        "end_on",
        "An affiliation cannot end before it starts.",
    ),
    (
        "facility_capacity_positive",
        facility_without_capacity,
        "capacity",
        "Capacity must be more than zero.",
    ),
    ("offence_unique", offence_twice, NON_FIELD_ERRORS, ALREADY_EXISTS),
    (
        "offence_penalty_range_ordered",
        offence_penalty_upside_down,
        "max_penalty_months",
        "The maximum penalty cannot be below the minimum.",
    ),
    ("case_opened_range_ordered", case_opened_range, "opened_until", BAD_RANGE),
    (
        "caseparty_person_xor_organisation",
        party_person_and_organisation,
        NON_FIELD_ERRORS,
        "Choose a person or an organisation, not both.",
    ),
    (
        "caseparty_person_xor_organisation",
        party_nobody,
        NON_FIELD_ERRORS,
        "Choose a person or an organisation, not both.",
    ),
    (
        "caseparty_unique_person_role",
        party_person_twice,
        NON_FIELD_ERRORS,
        "This person already has this role in the case.",
    ),
    (
        "caseparty_unique_organisation_role",
        party_organisation_twice,
        NON_FIELD_ERRORS,
        "This organisation already has this role in the case.",
    ),
    ("charge_unique_offence", charge_twice, NON_FIELD_ERRORS, ALREADY_EXISTS),
    ("charge_charged_range_ordered", charge_range, "charged_until", BAD_RANGE),
    (
        "hearing_next_after_this",
        hearing_next_before_this,
        "next_hearing_at",
        "The next hearing must come after this one.",
    ),
    ("trialoutcome_one_per_instance", outcome_twice, NON_FIELD_ERRORS, ALREADY_EXISTS),
    ("trialoutcome_verdict_range_ordered", outcome_verdict_range, "verdict_until", BAD_RANGE),
    (
        "trialoutcome_appeal_filed_range_ordered",
        outcome_appeal_range,
        "appeal_filed_until",
        BAD_RANGE,
    ),
    (
        "trialoutcome_suspended_within_sentence",
        outcome_suspended_over_sentence,
        "suspended_months",
        "The suspended part cannot exceed the sentence.",
    ),
    (
        "trialoutcome_appeal_after_verdict",
        outcome_appeal_before_verdict,
        "appeal_filed_on",
        "An appeal cannot be filed before the verdict.",
    ),
    (
        "trialoutcome_fine_has_currency",
        outcome_fine_without_currency,
        "fine_currency",
        "Give the currency of the fine.",
    ),
    (
        "trialoutcome_damages_has_currency",
        outcome_damages_without_currency,
        "damages_currency",
        "Give the currency of the damages.",
    ),
    ("detention_started_range_ordered", detention_started_range, "started_until", BAD_RANGE),
    ("detention_ended_range_ordered", detention_ended_range, "ended_until", BAD_RANGE),
    (
        "detention_end_after_start",
        detention_ends_before_start,
        "ended_on",
        "A detention cannot end before it starts.",
    ),
    (
        "detention_reason_needs_end",
        detention_reason_without_end,
        "ended_on",
        "Give the end date for this end reason.",
    ),
    (
        "extension_has_length",
        extension_without_length,
        "months",
        "An extension needs a length in months, days or hours.",
    ),
    ("followup_done_range_ordered", followup_done_range, "done_until", BAD_RANGE),
    (
        "followup_done_has_date",
        followup_done_without_date,
        "done_on",
        "A follow-up marked done needs the date it was done.",
    ),
    (
        "legalrule_in_force_ordered",
        rule_ends_before_it_starts,
        "effective_until",
        "A rule cannot end before it comes into force.",
    ),
    (
        "legalrule_share_fraction",
        rule_share_over_one,
        "share_numerator",
        "A share of the sentence is between 0 and 1.",
    ),
    (
        "legalrule_cap_share_fraction",
        rule_cap_share_zero,
        "cap_share_of_min_penalty",
        "A share of the minimum penalty is between 0 and 1.",
    ),
]


def _params(*, with_xfail: bool) -> list:
    return [
        pytest.param(
            name,
            make,
            field,
            message,
            marks=[pytest.mark.xfail(strict=True, raises=AssertionError, reason=xfail[0])]
            if with_xfail and xfail
            else [],
            id=f"{name}-{make.__name__}",
        )
        for name, make, field, message, *xfail in CONSTRAINTS
    ]


def test_every_model_constraint_is_covered_here():
    declared = {
        constraint.name
        for model in apps.get_app_config("cases").get_models()
        for constraint in model._meta.constraints
    }
    assert declared == {name for name, *_ in CONSTRAINTS}


@pytest.mark.parametrize(("name", "make", "field", "message"), _params(with_xfail=False))
def test_database_refuses_what_the_constraint_forbids(name, make, field, message):
    row = make()
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        row.save()
    # SQLite names a failed unique index by its columns; PostgreSQL names every constraint.
    error = str(refused.value)
    assert name in error or (field == NON_FIELD_ERRORS and "UNIQUE constraint failed" in error)


@pytest.mark.parametrize(("name", "make", "field", "message"), _params(with_xfail=True))
def test_full_clean_explains_the_constraint_on_the_right_field(name, make, field, message):
    row = make()
    with pytest.raises(ValidationError) as invalid:
        row.full_clean()
    errors = invalid.value.message_dict
    assert field in errors, errors
    assert any(text.endswith(message) for text in errors[field]), errors


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            make,
            id=make.__name__,
            marks=[],
        )
        for name, make, *_ in CONSTRAINTS
    ],
)
def test_full_clean_says_each_problem_once(make):
    with pytest.raises(ValidationError) as invalid:
        make().full_clean()
    for field, messages in invalid.value.message_dict.items():
        assert len(messages) == len(set(messages)), (field, messages)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("person", lambda: Person(name="Sok", birth_on=D(1990, 5, 1))),
        ("outcome", lambda: outcome(verdict_on=D(2023, 3, 3), appeal_filed_on=D(2023, 3, 30))),
        ("detention", lambda: detention(ended_on=D(2023, 6, 1), end_reason="bail")),
        ("party", lambda: CaseParty(case=make_case(), person=make_person(), role="victim")),
    ],
)
def test_a_valid_row_passes_full_clean_and_saves(name, make):
    row = make()
    row.full_clean()
    row.save()


def test_case_reference_is_unique():
    make_case(reference="C-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(reference="C-1", title="Other", category=Case.Category.LAND)
    with pytest.raises(ValidationError) as invalid:
        Case(reference="C-1", title="Other", category=Case.Category.LAND).full_clean()
    assert "reference" in invalid.value.message_dict


# --- Rules in clean() that no constraint carries ------------------------------------------


def test_only_a_defendant_can_be_charged():
    witness = make_party(role=CaseParty.Role.WITNESS)
    with pytest.raises(ValidationError) as invalid:
        Charge(party=witness, offence=make_offence()).full_clean()
    assert "Only a defendant can be charged." in invalid.value.message_dict["party"]


def test_an_acquittal_carries_no_sentence():
    with pytest.raises(ValidationError) as invalid:
        outcome(verdict=TrialOutcome.Verdict.ACQUITTED, sentence_months=12).full_clean()
    assert "sentence_months" in invalid.value.message_dict


def test_a_scheduled_hearing_has_no_actual_time():
    hearing = make_hearing()
    hearing.held_at = hearing.scheduled_at
    with pytest.raises(ValidationError) as invalid:
        hearing.full_clean()
    assert "status" in invalid.value.message_dict


def test_an_extension_cannot_predate_its_detention():
    extension = DetentionExtension(
        detention=make_detention(started_on=D(2023, 1, 20)), ordered_on=D(2023, 1, 1), months=2
    )
    with pytest.raises(ValidationError) as invalid:
        extension.full_clean()
    assert "ordered_on" in invalid.value.message_dict


def test_full_clean_normalises_a_month_to_its_bounds():
    person = Person(name="Sok", birth_on=D(1990, 5, 17), birth_precision=Precision.MONTH)
    person.full_clean()
    assert (person.birth_on, person.birth_until) == (D(1990, 5, 1), D(1990, 5, 31))


def test_save_normalises_fuzzy_dates():
    person = make_person(birth_on=D(1990, 5, 17), birth_precision=Precision.YEAR)
    person.refresh_from_db()
    assert (person.birth_on, person.birth_until) == (D(1990, 1, 1), D(1990, 12, 31))
    assert str(person.birth) == "1990"


# --- Person.is_minor_on -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "minor"),
    [
        # exact day: 18 on the birthday
        ({"birth_on": D(2008, 3, 1)}, D(2026, 2, 28), True),
        ({"birth_on": D(2008, 3, 1)}, D(2026, 3, 1), False),
        ({"birth_on": D(2008, 2, 29)}, D(2026, 2, 28), True),
        ({"birth_on": D(2008, 2, 29)}, D(2026, 3, 1), False),
        # a year: unknown while some of its days are under 18 and some over
        ({"birth_on": D(2008, 6, 1), "birth_precision": Precision.YEAR}, D(2025, 12, 31), True),
        ({"birth_on": D(2008, 6, 1), "birth_precision": Precision.YEAR}, D(2026, 6, 1), None),
        ({"birth_on": D(2008, 6, 1), "birth_precision": Precision.YEAR}, D(2027, 1, 1), False),
        # a range
        (
            {"birth_on": D(2005, 1, 1), "birth_precision": "range", "birth_until": D(2005, 6, 30)},
            D(2022, 12, 31),
            True,
        ),
        (
            {"birth_on": D(2005, 1, 1), "birth_precision": "range", "birth_until": D(2005, 6, 30)},
            D(2023, 3, 1),
            None,
        ),
        (
            {"birth_on": D(2005, 1, 1), "birth_precision": "range", "birth_until": D(2005, 6, 30)},
            D(2023, 6, 30),
            False,
        ),
        # after a day: can prove a minor, never an adult
        ({"birth_on": D(2000, 1, 1), "birth_precision": Precision.AFTER}, D(2017, 6, 1), True),
        ({"birth_on": D(2000, 1, 1), "birth_precision": Precision.AFTER}, D(2030, 1, 1), None),
        # unknown birth
        ({}, D(2023, 1, 1), None),
    ],
)
def test_is_minor_on_answers_only_what_the_birth_bounds_decide(birth, day, minor):
    person = make_person(**birth)
    person.refresh_from_db()
    assert person.is_minor_on(day) is minor


# --- Case.next_reference ----------------------------------------------------------------


def test_next_reference_starts_each_year_at_one():
    make_case(reference="CASE-2025-0007")
    assert Case.next_reference(D(2026, 1, 5)) == "CASE-2026-0001"


def test_next_reference_follows_the_references_of_the_year():
    make_case(reference="CASE-2026-0001")
    make_case(reference="CASE-2026-0002")
    assert Case.next_reference(D(2026, 7, 1)) == "CASE-2026-0003"


def test_next_reference_skips_a_reference_already_taken():
    make_case(reference="CASE-2026-0001")
    make_case(reference="CASE-2026-0003")
    assert Case.next_reference(D(2026, 7, 1)) == "CASE-2026-0004"


def test_saving_a_case_without_reference_gives_it_the_next_one():
    expected = Case.next_reference()
    case = make_case(reference="")
    assert case.reference == expected
    assert case.reference.startswith(f"CASE-{timezone.localdate().year}-")


def test_a_case_without_reference_passes_full_clean():
    Case(title="Arrest of union leaders", category=Case.Category.LABOUR).full_clean()


# --- Sentences ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "suspended", "custodial"),
    [(30, None, 30), (30, 12, 18), (12, 12, 0), (None, None, None)],
)
def test_custodial_months_is_the_sentence_less_the_suspended_part(sentence, suspended, custodial):
    row = TrialOutcome(sentence_months=sentence, suspended_months=suspended)
    assert row.custodial_months == custodial


@pytest.mark.parametrize(
    ("months", "text"),
    [
        (30, "2 years 6 months"),
        (12, "1 year"),
        (25, "2 years 1 month"),
        (1, "1 month"),
        (0, "0 months"),
        (None, ""),
    ],
)
def test_format_months(months, text):
    assert format_months(months) == text
