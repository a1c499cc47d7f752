"""Legal clocks on the report's own cases: calendar months, honest states, rules as data."""

import datetime as dt
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import LegalRule
from cases.rules import (
    ClockState,
    Rule,
    add_months,
    appeal_deadline,
    find_rule,
    police_custody_clock,
    pretrial_clock,
    pretrial_clock_unknown_class,
    release_dates,
)

D = dt.date
MISDEMEANOUR = Rule(
    measure="pretrial",
    article="CCPC art. 209",
    confidence="high",
    offence_class="misdemeanour",
    period_months=4,
    extension_months=2,
    max_extensions=1,
    cap_months=6,
    cap_share_of_min_penalty=Fraction(1, 2),
)
FELONY = Rule(
    measure="pretrial",
    article="CCPC art. 208",
    confidence="medium",
    offence_class="felony",
    period_months=6,
    extension_months=6,
    max_extensions=2,
    cap_months=18,
)


def test_calendar_months_not_thirty_days():
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2022, 11, 26), 6) == D(2023, 5, 26)


def test_chhim_sithar_misdemeanour_maximum_falls_on_26_may_2023():
    # Pretrial from 2022-11-26 under arts. 494/495 (misdemeanour), one 2-month extension.
    clock = pretrial_clock(
        start=D(2022, 11, 26), today=D(2023, 5, 25), rule=MISDEMEANOUR, extensions_months=[2]
    )
    assert clock.legal_maximum == D(2023, 5, 26)
    assert clock.authorised_end == D(2023, 5, 26)
    assert clock.days_detained == 180
    assert clock.state == ClockState.REVIEW_DUE
    assert clock.extension_allowed is False
    # Half the minimum penalty (6 months) is shown beside it, not silently applied.
    assert clock.penalty_cap is None  # no minimum penalty given
    with_penalty = pretrial_clock(
        start=D(2022, 11, 26), today=D(2023, 1, 1), rule=MISDEMEANOUR, min_penalty_months=6
    )
    assert with_penalty.penalty_cap == D(2023, 2, 26)


def test_states_move_from_within_to_review_to_expired_to_beyond():
    start = D(2022, 11, 26)

    def state(today, ext=()):
        return pretrial_clock(
            start=start, today=today, rule=MISDEMEANOUR, extensions_months=ext
        ).state

    assert state(D(2023, 1, 15)) == ClockState.WITHIN_PERIOD
    assert state(D(2023, 3, 1)) == ClockState.REVIEW_DUE  # 25 days before 2023-03-26
    assert state(D(2023, 3, 26)) == ClockState.REVIEW_DUE  # the deadline day itself
    assert state(D(2023, 3, 27)) == ClockState.EXPIRED_WITHOUT_EXTENSION
    assert state(D(2023, 3, 27), ext=[2]) == ClockState.WITHIN_PERIOD
    assert state(D(2023, 5, 27), ext=[2]) == ClockState.BEYOND_LEGAL_MAXIMUM


def test_extensions_never_push_past_the_legal_maximum():
    clock = pretrial_clock(
        start=D(2020, 1, 1), today=D(2020, 2, 1), rule=FELONY, extensions_months=[6, 6, 6]
    )
    assert clock.legal_maximum == D(2021, 7, 1)
    assert clock.authorised_end == D(2021, 7, 1)
    assert clock.extension_allowed is False


def test_ended_detention_is_not_an_alert():
    clock = pretrial_clock(
        start=D(2023, 1, 1), today=D(2024, 1, 1), rule=MISDEMEANOUR, ended_on=D(2023, 3, 1)
    )
    assert clock.state == ClockState.ENDED
    assert clock.days_detained == 59


def test_unknown_class_shows_both_deadlines_and_picks_neither():
    # Bin Chong and Eang Chea, arrested April 2023, forgery: the article is not known.
    clock = pretrial_clock_unknown_class(
        start=D(2023, 4, 1), today=D(2023, 5, 31), candidates=[FELONY, MISDEMEANOUR]
    )
    assert clock.state == ClockState.CLASS_UNKNOWN
    assert clock.rule is None and clock.authorised_end is None
    assert {a.authorised_end for a in clock.alternatives} == {D(2023, 10, 1), D(2023, 8, 1)}
    assert clock.next_deadline == D(2023, 8, 1)


def test_police_custody_counts_hours_from_arrival():
    rule = Rule(
        measure="police_custody",
        article="CCPC art. 96",
        confidence="medium",
        period_hours=48,
        extension_hours=24,
        max_extensions=1,
    )
    arrival = dt.datetime(2023, 3, 21, 10, 0, tzinfo=dt.UTC)
    clock = police_custody_clock(arrival=arrival, now=arrival + dt.timedelta(hours=40), rule=rule)
    assert clock.warning and not clock.overdue
    late = police_custody_clock(arrival=arrival, now=arrival + dt.timedelta(hours=49), rule=rule)
    assert late.overdue
    extended = police_custody_clock(
        arrival=arrival,
        now=arrival + dt.timedelta(hours=49),
        rule=rule,
        extension_hours_granted=24,
        extension_has_document=False,
    )
    assert not extended.overdue and extended.extension_missing_document


def test_kem_sokha_appeal_deadline_is_one_month_after_the_verdict():
    rule = Rule(measure="appeal", article="CCPC ~art. 382", confidence="medium", period_months=1)
    deadline = appeal_deadline(verdict_on=D(2023, 3, 3), rule=rule)
    assert deadline == D(2023, 4, 3)
    assert D(2023, 3, 30) <= deadline  # his appeal of 30 March was in time


def test_release_and_clemency_dates():
    reduction = Rule(
        measure="sentence_reduction", article="RD 2021", confidence="high", share=Fraction(1, 3)
    )
    pardon = Rule(measure="pardon", article="RD 2021", confidence="medium", share=Fraction(2, 3))
    # Seam Pluk's co-defendants: arrested 2023-03-24, two years.
    dates = release_dates(
        start=D(2023, 3, 24), custodial_months=24, reduction_rule=reduction, pardon_rule=pardon
    )
    assert dates.expected_release == D(2025, 3, 24)
    assert dates.reduction_eligible == D(2023, 11, 23)
    assert dates.pardon_eligible == D(2024, 7, 24)
    credited = release_dates(
        start=D(2023, 3, 24), custodial_months=24, pretrial_credit_days=10, reductions_months=6
    )
    assert credited.expected_release == D(2024, 9, 14)
    assert release_dates(start=D(2023, 3, 24), custodial_months=0).expected_release is None


@pytest.mark.django_db
def test_seeded_rules_are_found_by_class_and_age_with_their_citation():
    felony = find_rule(
        measure="pretrial", on=D(2023, 1, 1), offence_class="felony", age_band="adult"
    )
    assert (felony.period_months, felony.max_extensions, felony.cap_months) == (6, 2, 18)
    assert felony.article == "CCPC art. 208"
    minor = find_rule(
        measure="pretrial", on=D(2023, 1, 1), offence_class="misdemeanour", age_band="minor"
    )
    assert (minor.period_months, minor.max_extensions) == (2, 0)
    child = find_rule(
        measure="pretrial", on=D(2023, 1, 1), offence_class="felony", age_band="child"
    )
    assert child.allowed is False and child.is_unverified
    custody = find_rule(measure="police_custody", on=D(2023, 1, 1), offence_class="felony")
    assert custody.extension_hours == 24
    plain_custody = find_rule(
        measure="police_custody", on=D(2023, 1, 1), offence_class="misdemeanour"
    )
    assert plain_custody.max_extensions == 0
    assert find_rule(measure="sentence_reduction", on=D(2020, 1, 1)) is None  # decree of 2021
    assert find_rule(measure="pardon", on=D(2023, 1, 1)).share == Fraction(2, 3)


@pytest.mark.django_db
def test_a_change_of_law_adds_a_row_and_keeps_history():
    old = LegalRule.objects.get(measure="appeal")
    old.effective_until = D(2025, 12, 31)
    old.save()
    LegalRule.objects.create(
        measure="appeal",
        period_months=2,
        article="new law",
        source="test",
        confidence="unverified",
        effective_from=D(2026, 1, 1),
    )
    assert find_rule(measure="appeal", on=D(2023, 3, 3)).period_months == 1
    assert find_rule(measure="appeal", on=D(2026, 3, 3)).period_months == 2


@pytest.mark.django_db
def test_impossible_rule_values_are_refused():
    rule = LegalRule(
        measure="pretrial",
        article="x",
        source="x",
        confidence="high",
        effective_from=D(2024, 1, 1),
        effective_until=D(2023, 1, 1),
        period_months=4,
        cap_months=2,
        max_extensions=1,
    )
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert {"effective_until", "cap_months", "extension_months"} <= set(error.value.message_dict)
    negative = LegalRule(
        measure="pretrial",
        article="x",
        source="x",
        confidence="high",
        effective_from=D(2024, 1, 1),
        period_months=-4,
    )
    with pytest.raises(ValidationError) as error:
        negative.full_clean()
    assert "period_months" in error.value.message_dict
    with transaction.atomic(), pytest.raises(IntegrityError):
        LegalRule.objects.create(
            measure="pardon",
            article="x",
            source="x",
            confidence="high",
            effective_from=D(2024, 1, 1),
            share_numerator=3,
            share_denominator=2,
        )
