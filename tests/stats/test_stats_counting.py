"""What the statistics count: the period and fuzzy-date rules, "now", visibility, each table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from stats_support import D, row_of, stats_for

from cases.models import Case, Detention, FollowUp, Hearing, Role, Sex, TrialOutcome
from cases.services.records import delete_record
from observations.models import Checklist, Observation
from stats.statistics import PERSON_MEASURES
from tests.factories import (
    make_case,
    make_charge,
    make_court,
    make_detention,
    make_facility,
    make_followup,
    make_hearing,
    make_outcome,
    make_party,
    make_person,
)

pytestmark = pytest.mark.django_db


VERDICT_DAY = D("2023-05-25")


def convicted(*, case=None, sex=Sex.WOMAN, verdict_on=VERDICT_DAY, **person):
    party = make_party(case=case or make_case(), person=make_person(sex=sex, **person))
    return make_outcome(party=party, verdict_on=verdict_on)


def count(user, measure: str, start: str, end: str | None = None, **kw) -> int:
    label = next(m for m in PERSON_MEASURES if m.key == measure)
    stats = stats_for(user, start, end, **kw)
    return row_of(stats.summary(), stats.measure_label(label))["total"]


# Visibility --------------------------------------------------------------------------------


def test_a_restricted_case_counts_only_for_those_who_see_it(
    monitor, other_monitor, supervisor, exporter
):
    restricted = make_case(restricted=True, monitors=[monitor])
    convicted(case=restricted)
    convicted()  # a normal case: everyone counts it

    assert count(monitor, "convicted", "2023-05-25") == 2
    assert count(supervisor, "convicted", "2023-05-25") == 2
    assert count(other_monitor, "convicted", "2023-05-25") == 1
    assert count(exporter, "convicted", "2023-05-25") == 1


def test_a_person_in_a_normal_and_a_restricted_case_counts_only_what_is_visible(
    other_monitor, supervisor
):
    person = make_person(sex=Sex.MAN)
    normal, restricted = make_case(), make_case(restricted=True)
    make_party(case=normal, person=person)
    make_party(case=restricted, person=person)
    make_detention(person=person, case=restricted, started_on=D("2023-02-01"))

    assert count(other_monitor, "detained", "2023-02-01") == 0
    assert count(other_monitor, "arrested", "2023-02-01") == 0
    assert count(supervisor, "detained", "2023-02-01") == 1
    by_category = stats_for(other_monitor, "2023-02-01").breakdown("detained", "category")
    assert by_category.rows == ()


def test_deleted_records_are_not_counted(supervisor):
    outcome = convicted()
    delete_record(record=outcome, by=supervisor)

    assert count(supervisor, "convicted", "2023-05-25") == 0


# The period and fuzzy dates ----------------------------------------------------------------


def test_a_month_counts_in_the_period_that_holds_its_first_day(supervisor):
    make_charge(charged_on=D("2023-03-01"), charged_precision="month")

    assert count(supervisor, "charged", "2023-03-01") == 1
    assert count(supervisor, "charged", "2023-02-01", "2023-02-28") == 0
    assert count(supervisor, "charged", "2023-03-02", "2023-03-31") == 0


def test_a_range_counts_in_the_period_of_its_earliest_day_only(supervisor):
    make_detention(
        started_on=D("2023-02-20"), started_precision="range", started_until=D("2023-03-10")
    )

    assert count(supervisor, "arrested", "2023-02-01", "2023-02-28") == 1
    assert count(supervisor, "arrested", "2023-03-01", "2023-03-31") == 0


def test_an_undated_conviction_is_in_no_period_but_is_reported(supervisor):
    convicted(verdict_on=None)
    summary = stats_for(supervisor, "2000-01-01", "2099-12-31").summary()

    assert row_of(summary, "Convicted")["total"] == 0
    assert row_of(summary, "Convicted")["undated"] == 1
    assert row_of(summary, "Arrested")["undated"] is None


def test_the_period_includes_both_of_its_days(supervisor):
    convicted(verdict_on=D("2023-01-01"))
    convicted(verdict_on=D("2023-01-31"))
    convicted(verdict_on=D("2023-02-01"))

    assert count(supervisor, "convicted", "2023-01-01", "2023-01-31") == 2


# What each measure counts ------------------------------------------------------------------


def test_arrested_counts_the_first_detention_in_a_case_only(supervisor):
    first = make_detention(
        started_on=D("2022-12-01"), ended_on=D("2023-03-01"), end_reason="next_stage"
    )
    make_detention(
        person=first.person, case=first.case, kind="sentence", started_on=D("2023-03-01")
    )

    assert count(supervisor, "arrested", "2023-03-01", "2023-03-31") == 0
    assert count(supervisor, "arrested", "2022-12-01", "2022-12-31") == 1
    assert count(supervisor, "detained", "2023-03-01", "2023-03-31") == 1


def test_detained_counts_who_was_held_on_any_day_of_the_period(supervisor):
    make_detention(started_on=D("2022-01-01"), ended_on=D("2023-01-01"), end_reason="bail")
    make_detention(started_on=D("2023-01-31"))
    make_detention(started_on=D("2022-01-01"), ended_on=D("2022-12-31"), end_reason="bail")
    make_detention(started_on=D("2023-02-01"))

    assert count(supervisor, "detained", "2023-01-01", "2023-01-31") == 2


def test_judicial_supervision_is_not_detention(supervisor):
    make_detention(kind=Detention.Kind.SUPERVISION, started_on=D("2023-02-01"))

    assert count(supervisor, "detained", "2023-02-01") == 0
    assert count(supervisor, "arrested", "2023-02-01") == 0


def test_a_person_counts_once_however_many_records(supervisor):
    outcome = convicted()
    make_outcome(party=outcome.party, instance="appeal", verdict_on=D("2023-05-30"))

    assert count(supervisor, "convicted", "2023-05-01", "2023-05-31") == 1
    sentences = stats_for(supervisor, "2023-05-01", "2023-05-31").sentences()
    assert sum(row.values[0] for row in sentences.rows) == 2  # two verdicts


def test_an_appeal_that_upholds_is_not_a_new_conviction(supervisor):
    outcome = convicted(verdict_on=D("2022-05-25"))
    make_outcome(party=outcome.party, instance="appeal", verdict=TrialOutcome.Verdict.UPHELD)

    assert count(supervisor, "convicted", "2023-05-25") == 0


def test_pretrial_now_is_counted_on_the_last_day_or_today(supervisor):
    make_detention(started_on=D("2023-01-01"), ended_on=D("2023-06-15"), end_reason="bail")
    today = timezone.localdate()
    make_detention(started_on=today - dt.timedelta(days=3))

    assert count(supervisor, "pretrial_now", "2023-01-01", "2023-06-14") == 1
    assert count(supervisor, "pretrial_now", "2023-01-01", "2023-06-15") == 0
    # A period that has not ended: "now" is today.
    future = today + dt.timedelta(days=400)
    assert count(supervisor, "pretrial_now", "2023-01-01", future.isoformat(), today=today) == 1


def test_beyond_a_legal_limit_follows_the_legal_clocks(supervisor):
    held = make_detention(started_on=D("2020-01-01"))
    make_charge(party=held.case.parties.get(), charged_on=D("2020-01-01"))
    make_detention(started_on=D("2023-05-01"))

    assert count(supervisor, "beyond_limits", "2023-05-31") == 1
    assert count(supervisor, "pretrial_now", "2023-05-31") == 2


def test_minors_are_those_certainly_under_18_on_the_last_day(supervisor):
    # 18 on 25 May 2023: born on or before 25 May 2005.
    for birth in ("2006-01-01", "2005-05-25", None):
        convicted(birth_on=D(birth) if birth else None)
    convicted(birth_on=D("2005-01-01"), birth_precision="year")

    assert row_of(stats_for(supervisor, "2023-05-25").summary(), "Convicted")["minors"] == 1


def test_breakdowns_by_role_province_category_and_court(supervisor):
    activist = Role.objects.get(code=Role.Code.POLITICAL_ACTIVIST)
    journalist = Role.objects.get(code=Role.Code.JOURNALIST)
    court = make_court(name="Kampot Court", province="kampot")
    both = make_person(sex=Sex.WOMAN, roles=[activist, journalist])
    for case in (make_case(court=court), make_case(category=Case.Category.LAND)):
        make_outcome(party=make_party(case=case, person=both), verdict_on=D("2023-05-25"))
    convicted(sex=Sex.MAN)  # no role, a case without a court
    stats = stats_for(supervisor, "2023-05-25")

    roles = stats.breakdown("convicted", "role")
    assert [row.label for row in roles.rows] == [
        "Political activist",
        "Journalist",
        "No role recorded",
    ]
    assert row_of(roles, "Journalist")["woman"] == 1
    provinces = stats.breakdown("convicted", "province")
    assert row_of(provinces, "Kampot")["total"] == 1
    assert row_of(provinces, "Not recorded")["total"] == 2
    categories = stats.breakdown("convicted", "category")
    assert row_of(categories, "Political expression") == {
        "total": 2,
        "woman": 1,
        "man": 1,
        "other": 0,
        "unknown": 0,
        "minors": 0,
    }
    assert row_of(categories, "Land")["total"] == 1
    assert row_of(stats.breakdown("convicted", "court"), "Kampot Court")["total"] == 1


def test_sentence_bands(supervisor):
    for months, suspended, life, supervision in (
        (324, None, False, None),
        (18, None, False, None),
        (12, 12, False, None),
        (None, None, False, 18),
        (None, None, True, None),
        (None, None, False, None),
    ):
        outcome = convicted()
        TrialOutcome.objects.filter(pk=outcome.pk).update(  # audit: test data only
            sentence_months=months,
            suspended_months=suspended,
            life_sentence=life,
            supervision_months=supervision,
        )
    sentences = stats_for(supervisor, "2023-05-25").sentences()

    assert {row.label: row.values[0] for row in sentences.rows if row.values[0]} == {
        "Life imprisonment": 1,
        "10 years or more": 1,
        "1 to under 2 years": 1,
        "Prison term suspended in full": 1,
        "Judicial supervision, no prison term": 1,
        "No prison term recorded": 1,
    }


def test_hearings_monitored_and_observed(supervisor, monitor):
    court = make_court(name="Takeo Court", province="takeo")
    case = make_case(court=court)
    at = timezone.make_aware(dt.datetime(2023, 3, 1, 9, 0))
    attended = make_hearing(case=case, scheduled_at=at, status="held", monitor=monitor)
    observed = make_hearing(case=case, scheduled_at=at, status="held")
    Observation.objects.create(
        hearing=observed,
        observer=monitor,
        checklist=Checklist.objects.current(),
        status=Observation.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    draft = make_hearing(case=case, scheduled_at=at, status="held")
    Observation.objects.create(
        hearing=draft, observer=monitor, checklist=Checklist.objects.current()
    )
    make_hearing(case=case, scheduled_at=at, monitor=monitor)  # assigned, not yet held
    make_hearing(case=case, scheduled_at=at, status=Hearing.Status.CANCELLED, monitor=monitor)
    make_hearing(case=case, scheduled_at=at + dt.timedelta(days=40), status="held")
    stats = stats_for(supervisor, "2023-03-01")

    assert attended.pk and row_of(stats.table("hearings-court"), "Takeo Court") == {
        "province": "Takeo",
        "hearings": 4,
        "monitored": 2,
        "unmonitored": 2,
        "observed": 1,
    }
    assert row_of(stats.table("hearings-category"), "Political expression")["monitored"] == 2


def test_followups_done_in_the_period_and_open_today(supervisor):
    make_followup(kind="letter", status="done", done_on=D("2023-03-02"))
    make_followup(kind="letter", status="done", done_on=D("2023-04-02"))
    make_followup(kind="letter", due_on=timezone.localdate() - dt.timedelta(days=1))
    make_followup(kind=FollowUp.Kind.VISIT, due_on=timezone.localdate() + dt.timedelta(days=1))
    today = timezone.localdate()
    followups = stats_for(supervisor, "2023-03-01", "2023-03-31", today=today).table("followups")

    assert row_of(followups, "Letter") == {"done": 1, "open": 1, "overdue": 1}
    assert row_of(followups, "Monitoring visit") == {"done": 0, "open": 1, "overdue": 0}


def test_facility_occupancy_against_capacity(supervisor):
    prison = make_facility(name="Prison A", capacity=2, province="kandal")
    make_facility(name="Prison B", capacity=None)  # no capacity, nobody: left out
    make_facility(name="Prison C", capacity=100)  # nobody, a capacity: shown at 0 %
    for sex in (Sex.WOMAN, Sex.MAN, Sex.MAN):
        make_detention(person=make_person(sex=sex), facility=prison, started_on=D("2023-01-01"))
    make_detention(
        facility=prison, started_on=D("2023-01-01"), ended_on=D("2023-02-01"), end_reason="bail"
    )
    occupancy = stats_for(supervisor, "2023-05-31").table("occupancy")

    assert [row.label for row in occupancy.rows] == ["Prison A", "Prison C"]
    assert row_of(occupancy, "Prison A") == {
        "province": "Kandal",
        "woman": 1,
        "man": 2,
        "other": 0,
        "unknown": 0,
        "total": 3,
        "capacity": 2,
        "share": 150.0,
    }
    assert row_of(occupancy, "Prison C")["share"] == 0.0
