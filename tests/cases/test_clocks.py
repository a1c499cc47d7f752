"""Legal clocks from the database: offence class, age band, unknown class, extensions, police
custody, sentences and release, appeals, the seed's own cases, and a fixed number of queries."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from cases.clocks import (
    NO_CLOCK,
    RELEASE_DUE,
    RELEASE_OVERDUE,
    SERVING,
    URGENCY,
    RuleBook,
    appeal_clocks,
    days_in,
    detention_clock,
    detention_clocks,
)
from cases.models import Charge, Detention, LegalRule, TrialOutcome
from cases.rules import ClockState
from tests.factories import (
    make_case,
    make_charge,
    make_detention,
    make_extension,
    make_legal_rule,
    make_offence,
    make_outcome,
    make_party,
    make_person,
)

pytestmark = pytest.mark.django_db

D = dt.date


def detained(*classes, person=None, outcomes=(), kind=Detention.Kind.PRETRIAL, **kw) -> Detention:
    """Return a detention in a new case whose defendant faces charges of these classes."""
    case = make_case()
    person = person or make_person()
    party = make_party(case=case, person=person)
    for offence_class in classes:
        outcome = Charge.Outcome.PENDING
        if isinstance(offence_class, tuple):
            offence_class, outcome = offence_class
        make_charge(party=party, offence=make_offence(offence_class=offence_class), outcome=outcome)
    for fields in outcomes:
        make_outcome(party=party, **fields)
    kw.setdefault("started_on", D(2023, 1, 1))
    return make_detention(person=person, case=case, kind=kind, **kw)


FEBRUARY = D(2023, 2, 1)


def clock_of(detention, today=FEBRUARY, **kw):
    """Return the clock of a detention read afresh, as a page would."""
    return detention_clock(Detention.objects.get(pk=detention.pk), today=today, **kw)


# Offence class and age band ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        (["misdemeanour", "felony", "unknown"], "felony"),
        (["misdemeanour", "unknown"], "unknown"),
        (["petty", "misdemeanour"], "misdemeanour"),
        (["petty"], "petty"),
        ([], "unknown"),
        ([("felony", Charge.Outcome.DROPPED), "misdemeanour"], "misdemeanour"),
        ([("felony", Charge.Outcome.ACQUITTED), ("unknown", "dropped"), "petty"], "petty"),
        ([("felony", Charge.Outcome.CONVICTED)], "felony"),
    ],
)
def test_offence_class_is_the_most_serious_standing_charge(classes, expected):
    assert clock_of(detained(*classes)).offence_class == expected


def test_charges_of_another_case_do_not_count():
    detention = detained("misdemeanour")
    other_case = make_case()
    make_charge(
        party=make_party(case=other_case, person=detention.person),
        offence=make_offence(offence_class="felony"),
    )
    assert clock_of(detention).offence_class == "misdemeanour"


def test_unknown_birth_counts_as_adult_and_says_so():
    clock = clock_of(detained("misdemeanour"))
    assert clock.age_band == "adult"
    assert any("Birth date not recorded" in note for note in clock.notes)


def test_a_minor_gets_the_juvenile_limits_without_extension():
    person = make_person(birth_on=D(2006, 6, 1))
    clock = clock_of(detained("misdemeanour", person=person), today=D(2023, 1, 15))
    assert clock.age_band == "minor"
    assert clock.pretrial.rule.age_band == "minor"
    assert clock.deadlines() == [
        ("authorised_end", D(2023, 3, 1)),
        ("legal_maximum", D(2023, 3, 1)),
    ]
    assert clock.state == ClockState.WITHIN_PERIOD


def test_a_child_may_not_be_held_in_pretrial_detention_whatever_the_class():
    person = make_person(birth_on=D(2010, 1, 1))
    for classes in (["felony"], ["unknown"], []):
        clock = clock_of(detained(*classes, person=person))
        assert clock.age_band == "child"
        assert clock.state == ClockState.NOT_ALLOWED
        assert clock.beyond_limit_since == D(2023, 1, 1)
        assert clock.deadlines() == []
        assert clock.rules_used[0].is_unverified  # flagged as an unverified limit


def test_a_birth_year_that_leaves_the_age_open_uses_adult_limits_and_says_so():
    person = make_person(birth_on=D(2005, 1, 1), birth_precision="year")
    clock = clock_of(detained("misdemeanour", person=person, started_on=D(2023, 6, 1)))
    assert clock.age_band == "adult"
    assert any("does not settle" in note for note in clock.notes)


# Pretrial detention ---------------------------------------------------------------------------


def test_misdemeanour_clock_with_its_article_and_confidence():
    clock = clock_of(detained("misdemeanour"), today=D(2023, 4, 10))
    assert clock.state == ClockState.REVIEW_DUE
    assert clock.deadlines() == [
        ("authorised_end", D(2023, 5, 1)),
        ("legal_maximum", D(2023, 7, 1)),
    ]
    assert clock.next_deadline == D(2023, 5, 1)
    assert [(r.article, r.confidence) for r in clock.rules_used] == [("CCPC art. 209", "high")]
    assert clock.days_detained == 99
    assert clock.beyond_limit_since is None
    assert clock.urgency == URGENCY[ClockState.REVIEW_DUE]


def test_extension_orders_move_the_authorised_end_up_to_the_legal_maximum():
    detention = detained("felony")
    assert clock_of(detention, today=D(2023, 7, 10)).state == ClockState.EXPIRED_WITHOUT_EXTENSION
    assert clock_of(detention, today=D(2023, 7, 10)).beyond_limit_since == D(2023, 7, 2)
    make_extension(detention=detention, ordered_on=D(2023, 6, 20), months=6)
    clock = clock_of(detention, today=D(2023, 7, 10))
    assert clock.state == ClockState.WITHIN_PERIOD
    assert clock.pretrial.extensions_granted == 1 and clock.pretrial.extension_allowed
    assert clock.deadlines()[0] == ("authorised_end", D(2024, 1, 1))
    for day in (D(2023, 12, 20), D(2024, 6, 20)):
        make_extension(detention=detention, ordered_on=day, months=6)
    clock = clock_of(detention, today=D(2024, 7, 2))
    assert clock.deadlines() == [
        ("authorised_end", D(2024, 7, 1)),
        ("legal_maximum", D(2024, 7, 1)),
    ]
    assert clock.state == ClockState.BEYOND_LEGAL_MAXIMUM
    assert clock.beyond_limit_since == D(2024, 7, 2)
    assert not clock.pretrial.extension_allowed


def test_unknown_class_shows_both_candidates_and_no_single_deadline():
    detention = detained("unknown", started_on=D(2023, 4, 1))
    clock = clock_of(detention, today=D(2023, 5, 31))
    assert clock.state == ClockState.CLASS_UNKNOWN
    assert clock.pretrial.rule is None and clock.pretrial.authorised_end is None
    candidates = {(item.condition, item.name): item.day for item in clock.dates}
    assert candidates == {
        ("felony", "authorised_end"): D(2023, 10, 1),
        ("felony", "legal_maximum"): D(2024, 10, 1),
        ("misdemeanour", "authorised_end"): D(2023, 8, 1),
        ("misdemeanour", "legal_maximum"): D(2023, 10, 1),
    }
    # Reminders go by the earliest candidate of each date.
    assert clock.deadlines() == [
        ("authorised_end", D(2023, 8, 1)),
        ("legal_maximum", D(2023, 10, 1)),
    ]
    assert clock.next_deadline == D(2023, 8, 1)
    assert clock.asks_for_article
    assert [charge.offence.offence_class for charge in clock.unknown_charges] == ["unknown"]
    assert {rule.article for rule in clock.rules_used} == {"CCPC art. 208", "CCPC art. 209"}


def test_unknown_class_stays_unknown_while_one_candidate_still_allows_the_detention():
    detention = detained("unknown", started_on=D(2023, 4, 1))
    # Past the misdemeanour maximum, within the felony period: it depends on the class.
    clock = clock_of(detention, today=D(2023, 9, 1))
    assert clock.state == ClockState.CLASS_UNKNOWN
    assert clock.beyond_limit_since is None


def test_unknown_class_past_every_candidate_is_overdue_whatever_the_class():
    detention = detained(started_on=D(2022, 1, 1))  # no charge recorded at all
    expired = clock_of(detention, today=D(2022, 8, 1))
    assert expired.state == ClockState.EXPIRED_WITHOUT_EXTENSION
    assert expired.beyond_limit_since == D(2022, 7, 2)  # the day after the felony period
    beyond = clock_of(detention, today=D(2024, 1, 1))
    assert beyond.state == ClockState.BEYOND_LEGAL_MAXIMUM
    assert beyond.urgency == URGENCY[ClockState.BEYOND_LEGAL_MAXIMUM]


def test_the_rule_in_force_on_the_start_day_applies():
    LegalRule.objects.filter(
        measure="pretrial", offence_class="misdemeanour", age_band="adult"
    ).update(effective_until=D(2022, 12, 31))
    make_legal_rule(
        offence_class="misdemeanour",
        age_band="adult",
        period_months=3,
        cap_months=5,
        article="new law art. 1",
        confidence="unverified",
        effective_from=D(2023, 1, 1),
    )
    before = clock_of(detained("misdemeanour", started_on=D(2022, 12, 1)))
    after = clock_of(detained("misdemeanour", started_on=D(2023, 1, 1)))
    assert before.rules_used[0].article == "CCPC art. 209"
    assert after.rules_used[0].article == "new law art. 1"
    assert after.deadlines() == [
        ("authorised_end", D(2023, 4, 1)),
        ("legal_maximum", D(2023, 6, 1)),
    ]


def test_ended_detention_keeps_its_days_but_raises_nothing():
    detention = detained("misdemeanour", ended_on=D(2023, 3, 1), end_reason="bail")
    clock = clock_of(detention, today=D(2024, 1, 1))
    assert clock.state == ClockState.ENDED
    assert clock.days_detained == 59
    assert clock.deadlines() == [] and clock.next_deadline is None
    assert clock.deadlines(running_only=False)[0] == ("authorised_end", D(2023, 5, 1))
    assert clock.beyond_limit_since is None


def test_a_detention_ending_later_is_still_running_on_an_earlier_day():
    detention = detained("misdemeanour", ended_on=D(2023, 9, 1), end_reason="bail")
    assert clock_of(detention, today=D(2023, 4, 10)).state == ClockState.REVIEW_DUE


def test_kinds_without_a_legal_clock():
    clock = clock_of(detained("felony", kind=Detention.Kind.SUPERVISION))
    assert clock.state == NO_CLOCK and not clock.is_running and clock.deadlines() == []


# Police custody ---------------------------------------------------------------------------


def at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_police_custody_counts_hours_from_arrival_at_the_unit():
    detention = detained(
        "misdemeanour",
        kind=Detention.Kind.POLICE_CUSTODY,
        started_on=D(2023, 3, 21),
        arrested_at=at(2023, 3, 21, 6),
        custody_arrival_at=at(2023, 3, 21, 10),
    )
    clock = clock_of(detention, today=D(2023, 3, 22), now=at(2023, 3, 22, 23))
    assert clock.custody.limit == at(2023, 3, 23, 10)
    assert clock.state == ClockState.REVIEW_DUE  # 37 hours held: the 36-hour warning
    assert clock.deadlines() == [("custody_limit", D(2023, 3, 23))]
    late = clock_of(detention, today=D(2023, 3, 23), now=at(2023, 3, 23, 11))
    assert late.state == ClockState.BEYOND_LEGAL_MAXIMUM
    assert late.beyond_limit_since == D(2023, 3, 23)


def test_police_custody_falls_back_to_the_arrest_and_says_so():
    detention = detained(
        "felony",
        kind=Detention.Kind.POLICE_CUSTODY,
        started_on=D(2023, 3, 21),
        arrested_at=at(2023, 3, 21, 6),
    )
    make_extension(detention=detention, ordered_on=D(2023, 3, 22), months=0, hours=24)
    clock = clock_of(detention, today=D(2023, 3, 23), now=at(2023, 3, 23, 12))
    assert clock.custody.limit == at(2023, 3, 24, 6)  # 48 + 24 hours for a felony
    assert clock.state == ClockState.REVIEW_DUE  # past 36 hours, within the limit
    assert not clock.custody.overdue
    assert any("counted from the arrest" in note for note in clock.notes)
    assert any("prosecutor" in note for note in clock.notes)  # no order reference on file


# Sentences --------------------------------------------------------------------------------


def sentenced(months=24, credit_from=None, **kw) -> Detention:
    """Return a sentence detention from 2023-05-25, after pretrial detention from credit_from."""
    detention = detained(
        "misdemeanour",
        kind=Detention.Kind.SENTENCE,
        started_on=D(2023, 5, 25),
        outcomes=[{"verdict_on": D(2023, 5, 25), "sentence_months": months}],
        **kw,
    )
    if credit_from:
        make_detention(
            person=detention.person,
            case=detention.case,
            started_on=credit_from,
            ended_on=D(2023, 5, 25),
            end_reason="next_stage",
        )
    return detention


def test_sentence_counts_from_the_deprivation_of_liberty_with_pretrial_credit():
    # Chhim Sithar's shape: pretrial from 2022-11-26, two years from 2023-05-25.
    clock = clock_of(sentenced(credit_from=D(2022, 11, 26)), today=D(2023, 9, 1))
    assert clock.pretrial_credit_days == 180
    assert clock.served_from == D(2022, 11, 26)
    assert clock.deadlines() == [("expected_release", D(2024, 11, 26))]
    assert clock.release.reduction_eligible == D(2023, 7, 28)  # a third of 731 days served
    assert clock.state == SERVING and not clock.release_overdue
    assert clock.sentence.sentence_months == 24


def test_pretrial_credit_is_a_setting(settings):
    settings.PRETRIAL_CREDIT = 0.5
    clock = clock_of(sentenced(credit_from=D(2022, 11, 26)), today=D(2023, 9, 1))
    assert clock.pretrial_credit_days == 90
    assert clock.deadlines() == [("expected_release", D(2025, 2, 24))]


def test_release_due_then_overdue_while_still_detained():
    detention = sentenced(months=12)
    assert clock_of(detention, today=D(2024, 5, 1)).state == RELEASE_DUE
    clock = clock_of(detention, today=D(2024, 6, 1))
    assert clock.state == RELEASE_OVERDUE and clock.release_overdue
    assert clock.beyond_limit_since == D(2024, 5, 26)
    assert clock.urgency == URGENCY[ClockState.BEYOND_LEGAL_MAXIMUM]
    assert clock.is_overdue


def test_suspended_part_and_appeal_outcome_decide_the_sentence():
    detention = detained(
        "felony",
        kind=Detention.Kind.SENTENCE,
        started_on=D(2023, 1, 1),
        outcomes=[
            {"verdict_on": D(2023, 1, 1), "sentence_months": 24, "suspended_months": 12},
            {"verdict_on": D(2023, 6, 1), "sentence_months": 36, "instance": "appeal"},
        ],
    )
    clock = clock_of(detention, today=D(2023, 7, 1))
    assert clock.sentence.instance == "appeal"
    assert clock.deadlines() == [("expected_release", D(2026, 1, 1))]


def test_sentence_without_a_recorded_custodial_term_has_no_release_date():
    detention = detained(
        "misdemeanour",
        kind=Detention.Kind.SENTENCE,
        outcomes=[{"sentence_months": 12, "suspended_months": 12}],
    )
    clock = clock_of(detention)
    assert clock.state == SERVING and clock.release is None and clock.deadlines() == []
    assert clock.notes


def test_days_in_counts_overlapping_detentions_once():
    assert days_in([(D(2023, 1, 1), D(2023, 1, 11)), (D(2023, 1, 5), D(2023, 1, 15))]) == 14
    assert days_in([(D(2023, 1, 1), D(2023, 1, 2)), (D(2023, 2, 1), D(2023, 2, 3))]) == 3


# Appeals ----------------------------------------------------------------------------------


def test_appeal_clock_states_and_rule():
    party = make_party()
    open_ = make_outcome(party=party, verdict_on=D(2023, 3, 3))
    filed = make_outcome(
        party=make_party(), verdict_on=D(2023, 3, 3), appeal_filed_on=D(2023, 4, 10)
    )
    final = make_outcome(party=party, verdict_on=D(2024, 1, 1), instance="supreme")
    undated = make_outcome(party=make_party(), verdict_on=None)
    clocks = appeal_clocks(TrialOutcome.objects.all(), today=D(2023, 3, 30))
    assert set(clocks) == {open_.pk, filed.pk}
    assert clocks[open_.pk].deadline == D(2023, 4, 3)
    assert (clocks[open_.pk].state, clocks[open_.pk].days_left) == ("open", 4)
    assert clocks[open_.pk].rule.article.startswith("CCPC ~art. 382")
    assert clocks[filed.pk].state == "filed" and clocks[filed.pk].filed_in_time is False
    later = appeal_clocks([open_], today=D(2023, 4, 4))
    assert later[open_.pk].state == "expired"
    assert final.pk not in clocks and undated.pk not in clocks


# The report's cases -----------------------------------------------------------------------


@pytest.fixture
def seed(db):
    call_command("loaddata", "report_cases", verbosity=0)


def current_clock(name: str, kind: str) -> object:
    detention = Detention.objects.select_related("person").get(person__name=name, kind=kind)
    return detention_clock(detention, today=timezone.localdate())


@time_machine.travel(dt.datetime(2023, 4, 30, 12, tzinfo=dt.UTC), tick=False)
def test_chhim_sithar_legal_maximum_falls_on_26_may_2023(seed):
    clock = current_clock("Chhim Sithar", "pretrial")
    assert clock.offence_class == "misdemeanour"
    assert ("legal_maximum", D(2023, 5, 26)) in clock.deadlines()
    # The seed records no extension order (the report gives none): without one, the
    # authorised four months ended on 26 March, and the app says so.
    assert clock.state == ClockState.EXPIRED_WITHOUT_EXTENSION
    # With the two-month extension her 180 days imply (DOMAIN.md 8.1), review is due.
    detention = Detention.objects.get(person__name="Chhim Sithar", kind="pretrial")
    make_extension(detention=detention, ordered_on=D(2023, 3, 20), months=2)
    clock = current_clock("Chhim Sithar", "pretrial")
    assert clock.state == ClockState.REVIEW_DUE
    assert clock.deadlines() == [
        ("authorised_end", D(2023, 5, 26)),
        ("legal_maximum", D(2023, 5, 26)),
    ]


@time_machine.travel(dt.datetime(2023, 9, 1, 12, tzinfo=dt.UTC), tick=False)
def test_chhim_sithar_sentence_runs_from_her_re_arrest(seed):
    clock = current_clock("Chhim Sithar", "sentence")
    assert clock.served_from == D(2022, 11, 26)
    assert clock.deadlines() == [("expected_release", D(2024, 11, 26))]


def test_kem_sokha_appeal_deadline_derives_from_the_verdict_of_3_march_2023(seed):
    outcome = TrialOutcome.objects.get(party__person__name="Kem Sokha", instance="first")
    clock = appeal_clocks([outcome], today=D(2023, 3, 20))[outcome.pk]
    assert clock.deadline == D(2023, 4, 3)
    assert clock.state == "filed" and clock.filed_in_time  # filed 30 March, in time


@time_machine.travel(dt.datetime(2023, 5, 31, 12, tzinfo=dt.UTC), tick=False)
def test_bin_chong_class_unknown_shows_both_deadlines(seed):
    clock = current_clock("Bin Chong", "pretrial")
    assert clock.state == ClockState.CLASS_UNKNOWN
    assert {item.condition for item in clock.dates} == {"felony", "misdemeanour"}
    assert any("approximate" in note for note in clock.notes)  # arrested "April 2023"


# Queries ----------------------------------------------------------------------------------


def mixed(n: int) -> None:
    for _ in range(n):
        detained("misdemeanour")
        detained("unknown", kind=Detention.Kind.POLICE_CUSTODY)
        sentenced(credit_from=D(2023, 1, 1))


@pytest.mark.parametrize("n", [1, 8])
def test_clocks_cost_a_fixed_number_of_queries(django_assert_num_queries, n):
    mixed(n)
    detentions = list(Detention.objects.select_related("person").prefetch_related("extensions"))
    # charges, sentences, earlier detentions, rules
    with django_assert_num_queries(4):
        clocks = detention_clocks(detentions, today=D(2023, 9, 1))
    assert len(clocks) == 4 * n
    plain = list(Detention.objects.all())
    # + extension orders and people when not loaded with the detentions
    with django_assert_num_queries(6):
        detention_clocks(plain, today=D(2023, 9, 1))
    rules = RuleBook()
    with django_assert_num_queries(2):  # the outcomes, the rules
        assert len(appeal_clocks(TrialOutcome.objects.all(), today=D(2023, 9, 1), rules=rules)) == n
    with django_assert_num_queries(0):  # the rules are read once
        appeal_clocks(list(TrialOutcome.objects.none()), today=D(2023, 9, 1), rules=rules)


def test_no_detention_costs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert detention_clocks([], today=D(2023, 9, 1)) == {}
