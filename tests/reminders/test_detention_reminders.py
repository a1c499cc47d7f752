"""Reminders from the legal clocks: pretrial reviews, limits passed, appeals, releases."""

import datetime as dt

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from cases.models import CaseParty, Detention, OffenceClass
from reminders.dispatch import deliver_reminder, run_pass
from reminders.kinds import Kind
from reminders.models import Notification, Reminder
from reminders.planning import at_day_time
from tests.factories import (
    make_case,
    make_charge,
    make_detention,
    make_extension,
    make_offence,
    make_outcome,
    make_person,
)

pytestmark = pytest.mark.django_db


def moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def run(now: dt.datetime):
    with time_machine.travel(now, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        return run_pass(now=now, enqueue=lambda pk: deliver_reminder(reminder_id=pk))


def pretrial(monitor, *, started_on, offence_class=OffenceClass.MISDEMEANOUR, **kw) -> Detention:
    case = make_case(monitors=[monitor])
    person = make_person()
    party = CaseParty.objects.create(case=case, person=person, role=CaseParty.Role.DEFENDANT)
    if offence_class is not None:
        make_charge(party=party, offence=make_offence(offence_class=offence_class))
    return make_detention(person=person, case=case, started_on=started_on, **kw)


def reminders(kind, **kw):
    return Reminder.objects.filter(kind=kind, **kw)


def test_pretrial_review_reminders_fall_30_14_and_7_days_before_the_authorised_end(
    monitor, supervisor
):
    # Misdemeanour, art. 209: 4 months authorised (1 Jan 2027), 6 months at most (1 Mar 2027).
    detention = pretrial(monitor, started_on=dt.date(2026, 9, 1))
    end = at_day_time(dt.date(2027, 1, 1))
    run(moment(dt.date(2026, 11, 1)))
    assert not Reminder.objects.exists()  # weeks from due: not written yet
    for day in (dt.date(2026, 12, 2), dt.date(2026, 12, 18), dt.date(2026, 12, 25)):
        run(moment(day))
    review = reminders(Kind.PRETRIAL_REVIEW, record_id=detention.pk, status="sent")
    assert set(review.values_list("deadline", "offset_days", "recipient")) == {
        (end, offset, user.pk) for offset in (30, 14, 7) for user in (monitor, supervisor)
    }
    notice = Notification.objects.filter(user=supervisor, kind=Kind.PRETRIAL_REVIEW).first()
    assert detention.case.reference in notice.title
    # Not extended by 1 January: from 2 January it is held beyond its limit.
    run(moment(dt.date(2027, 1, 2)))
    assert reminders(Kind.BEYOND_LIMIT, status="sent").count() == 2


def test_an_extension_ordered_today_supersedes_the_review_already_queued(monitor):
    detention = pretrial(monitor, started_on=dt.date(2026, 9, 1))
    run(moment(dt.date(2026, 11, 30)))  # the 30-day review of 1 Jan is written (due 2 Dec)
    old_end = at_day_time(dt.date(2027, 1, 1))
    assert reminders(Kind.PRETRIAL_REVIEW, deadline=old_end, status="pending").exists()
    with time_machine.travel(moment(dt.date(2026, 11, 30), hour=9) + dt.timedelta(minutes=30)):
        make_extension(detention=detention, ordered_on=dt.date(2026, 11, 30), months=2)
    report = run(moment(dt.date(2026, 11, 30), hour=10))  # same day: only what changed
    assert report.superseded == 1  # the monitor's (no supervisor in this test)
    assert set(
        reminders(Kind.PRETRIAL_REVIEW, deadline=old_end).values_list("status", flat=True)
    ) == {"superseded"}
    assert not reminders(Kind.PRETRIAL_REVIEW, status="pending").exists()


def test_later_passes_of_a_day_plan_only_the_detentions_that_changed(monitor):
    pretrial(monitor, started_on=dt.date(2026, 9, 1))
    pretrial(monitor, started_on=dt.date(2026, 5, 1))
    first = run(moment(dt.date(2026, 11, 30)))
    later = run(moment(dt.date(2026, 11, 30), hour=10))
    assert first.planned > 0
    assert later.planned == 0
    next_day = run(moment(dt.date(2026, 12, 1)))
    assert next_day.planned > 0


def test_a_detention_beyond_its_limit_alerts_at_once_then_daily_until_released(monitor, supervisor):
    detention = pretrial(monitor, started_on=dt.date(2026, 5, 1))  # unlawful from 2 Sep
    run(moment(dt.date(2026, 12, 1)))
    run(moment(dt.date(2026, 12, 1), hour=10))
    beyond = reminders(Kind.BEYOND_LIMIT, status="sent")
    assert beyond.filter(recipient=supervisor).count() == 1
    assert Notification.objects.get(user=supervisor, kind=Kind.BEYOND_LIMIT).urgent
    run(moment(dt.date(2026, 12, 2)))
    assert beyond.filter(recipient=supervisor).count() == 2
    detention.ended_on = dt.date(2026, 12, 2)
    detention.end_reason = Detention.EndReason.BAIL
    detention.save()
    run(moment(dt.date(2026, 12, 3)))
    assert beyond.filter(recipient=supervisor).count() == 2
    # No review reminders for a detention already past its limit.
    assert not reminders(Kind.PRETRIAL_REVIEW).exists()


def test_an_unknown_offence_class_still_gets_reminders_on_the_earliest_possible_deadline(
    monitor,
):
    from cases.clocks import detention_clock

    detention = pretrial(monitor, started_on=dt.date(2026, 9, 1), offence_class=None)
    clock = detention_clock(detention, today=dt.date(2026, 10, 1))
    assert clock.class_unknown
    earliest = min(day for _name, day in clock.deadlines())
    run(moment(earliest - dt.timedelta(days=30)))
    sent = reminders(Kind.PRETRIAL_REVIEW, record_id=detention.pk, status="sent")
    assert sent.filter(deadline=at_day_time(earliest), offset_days=30).exists(), (
        "a detention with an unknown class must never be left without reminders"
    )


def test_appeal_deadline_reminders_and_filing_supersedes_them(monitor, supervisor):
    case = make_case(monitors=[monitor])
    party = CaseParty.objects.create(case=case, person=make_person(), role=CaseParty.Role.DEFENDANT)
    outcome = make_outcome(party=party, verdict_on=dt.date(2026, 11, 28))
    appeal = reminders(Kind.APPEAL_DEADLINE, record_id=outcome.pk)
    deadline = at_day_time(dt.date(2026, 12, 28))  # one month after the verdict
    run(moment(dt.date(2026, 12, 21)))
    assert set(appeal.filter(status="sent").values_list("deadline", "offset_days")) == {
        (deadline, 7)
    }
    assert appeal.filter(status="sent").count() == 2  # monitor and supervisor
    run(moment(dt.date(2026, 12, 25)))  # the 2-day one (due 26 Dec) is written
    assert appeal.filter(offset_days=2, status="pending").count() == 2
    outcome.appeal_filed_on = dt.date(2026, 12, 25)
    outcome.appealed_by = "defendant"
    outcome.save()
    run(moment(dt.date(2026, 12, 25), hour=10))
    assert set(appeal.filter(offset_days=2).values_list("status", flat=True)) == {"superseded"}


def test_release_due_then_overdue_while_still_detained(monitor, supervisor):
    case = make_case(monitors=[monitor])
    person = make_person()
    party = CaseParty.objects.create(case=case, person=person, role=CaseParty.Role.DEFENDANT)
    make_outcome(party=party, verdict_on=dt.date(2025, 1, 10), sentence_months=24)
    make_detention(
        person=person, case=case, kind=Detention.Kind.SENTENCE, started_on=dt.date(2025, 1, 10)
    )
    run(moment(dt.date(2026, 12, 11)))  # 30 days before 10 Jan 2027
    due = reminders(Kind.RELEASE_DUE, status="sent")
    assert due.filter(offset_days=30).count() == 2
    run(moment(dt.date(2027, 1, 12)))
    overdue = reminders(Kind.RELEASE_OVERDUE, status="sent")
    assert overdue.filter(recipient=supervisor).count() == 1
    assert Notification.objects.filter(user=supervisor, kind=Kind.RELEASE_OVERDUE).get().urgent
