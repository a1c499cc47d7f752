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
    # Misdemeanour, art. 209: 4 months authorised, 6 months at most.
    detention = pretrial(monitor, started_on=dt.date(2026, 9, 1))
    run(moment(dt.date(2026, 11, 1)))
    review = reminders(Kind.PRETRIAL_REVIEW, record_id=detention.pk)
    end, maximum = at_day_time(dt.date(2027, 1, 1)), at_day_time(dt.date(2027, 3, 1))
    assert set(review.values_list("deadline", "offset_days")) == {
        (end, 30),
        (end, 14),
        (end, 7),
        (maximum, 30),
        (maximum, 14),
        (maximum, 7),
    }
    assert set(review.values_list("recipient", flat=True)) == {monitor.pk, supervisor.pk}
    assert not review.filter(status="sent").exists()
    run(moment(dt.date(2026, 12, 2)))
    sent = review.filter(status="sent")
    assert set(sent.values_list("deadline", "offset_days", "recipient")) == {
        (end, 30, monitor.pk),
        (end, 30, supervisor.pk),
    }
    notice = Notification.objects.get(user=supervisor, kind=Kind.PRETRIAL_REVIEW)
    assert detention.case.reference in notice.title


def test_an_extension_supersedes_the_reviews_of_the_old_end(monitor):
    detention = pretrial(monitor, started_on=dt.date(2026, 9, 1))
    run(moment(dt.date(2026, 11, 1)))
    make_extension(detention=detention, ordered_on=dt.date(2026, 11, 20), months=2)
    run(moment(dt.date(2026, 11, 21)))
    old_end = at_day_time(dt.date(2027, 1, 1))
    assert set(
        reminders(Kind.PRETRIAL_REVIEW, deadline=old_end).values_list("status", flat=True)
    ) == {"superseded"}
    # The authorised end is now the legal maximum, 1 March 2027.
    pending = reminders(Kind.PRETRIAL_REVIEW, status="pending")
    assert set(pending.values_list("deadline", flat=True)) == {at_day_time(dt.date(2027, 3, 1))}


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
    detention = pretrial(monitor, started_on=dt.date(2026, 9, 1), offence_class=None)
    run(moment(dt.date(2026, 11, 1)))
    deadlines = set(
        reminders(Kind.PRETRIAL_REVIEW, record_id=detention.pk).values_list("deadline", flat=True)
    )
    assert deadlines, "a detention with an unknown class must never be left without reminders"
    assert min(deadlines) <= at_day_time(dt.date(2027, 1, 1))


def test_appeal_deadline_reminders_and_filing_supersedes_them(monitor, supervisor):
    case = make_case(monitors=[monitor])
    party = CaseParty.objects.create(case=case, person=make_person(), role=CaseParty.Role.DEFENDANT)
    outcome = make_outcome(party=party, verdict_on=dt.date(2026, 11, 28))
    run(moment(dt.date(2026, 11, 29)))
    appeal = reminders(Kind.APPEAL_DEADLINE, record_id=outcome.pk)
    deadline = at_day_time(dt.date(2026, 12, 28))  # one month after the verdict
    assert set(appeal.values_list("deadline", "offset_days")) == {(deadline, 7), (deadline, 2)}
    run(moment(dt.date(2026, 12, 21)))
    assert appeal.filter(status="sent", offset_days=7).count() == 2  # monitor and supervisor
    outcome.appeal_filed_on = dt.date(2026, 12, 22)
    outcome.appealed_by = "defendant"
    outcome.save()
    run(moment(dt.date(2026, 12, 23)))
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
