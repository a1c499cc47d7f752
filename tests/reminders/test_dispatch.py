"""The reminder pass as a plain function: planned once, sent once, superseded, caught up."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import FollowUp, Hearing
from reminders.dispatch import deliver_reminder, run_pass
from reminders.kinds import Kind
from reminders.models import Digest, Notification, PassRun, Reminder, ReminderPreference
from tests.factories import make_case, make_followup, make_hearing

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 12, 1, 9, 0))


def at(days: float = 0, hours: float = 0) -> dt.datetime:
    return NOW + dt.timedelta(days=days, hours=hours)


def inline(pk: int) -> None:
    deliver_reminder(reminder_id=pk)


def run(now: dt.datetime, enqueue=inline):
    """Run a pass at ``now`` with the clock there too (models read the time themselves)."""
    with time_machine.travel(now, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        return run_pass(now=now, enqueue=enqueue)


@pytest.fixture
def monitor_case(monitor):
    return make_case(monitors=[monitor])


def hearing_in(case, days: float) -> Hearing:
    return make_hearing(case=case, scheduled_at=at(days))


def test_a_hearing_in_the_window_gives_one_reminder_whatever_the_passes(monitor, monitor_case):
    hearing_in(monitor_case, 3)
    first = run(NOW)
    second = run(at(hours=0.1))
    assert first.claimed == 1 and second.claimed == 0
    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert [(r.kind, r.offset_days, r.recipient) for r in sent] == [
        (Kind.HEARING_UPCOMING, 7, monitor)
    ]
    assert Notification.objects.filter(user=monitor).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [monitor.email]
    assert f"case #{monitor_case.pk}" in mail.outbox[0].subject
    # The one-day reminder waits for its day.
    pending = Reminder.objects.get(status=Reminder.Status.PENDING, kind=Kind.HEARING_UPCOMING)
    assert pending.offset_days == 1 and pending.due_at == at(2)
    run(at(2, hours=0.5))
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 2


def test_delivering_the_same_reminder_twice_sends_once(monitor, monitor_case):
    hearing_in(monitor_case, 3)
    queued = []
    run(NOW, enqueue=queued.append)
    assert len(queued) == 1
    with time_machine.travel(NOW, tick=False):
        assert deliver_reminder(reminder_id=queued[0]) == "emailed"
        assert deliver_reminder(reminder_id=queued[0]) == "done"
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert f"<reminder-{queued[0]}@" in mail.outbox[0].extra_headers["Message-ID"]


def test_moving_a_hearing_supersedes_its_pending_reminders(monitor, monitor_case):
    hearing = hearing_in(monitor_case, 2.5)
    run(NOW)  # the 7-day reminder goes out; the 1-day one waits
    upcoming = Reminder.objects.filter(kind=Kind.HEARING_UPCOMING)
    old = upcoming.get(status=Reminder.Status.PENDING)
    hearing.scheduled_at = at(2.8)
    hearing.save()
    report = run(at(hours=1))
    old.refresh_from_db()
    assert old.status == Reminder.Status.SUPERSEDED
    assert report.superseded == 1
    new = upcoming.get(status=Reminder.Status.PENDING)
    assert new.deadline == at(2.8) and new.offset_days == 1


def test_a_hearing_moved_out_of_the_window_is_superseded_when_due(monitor, monitor_case):
    hearing = hearing_in(monitor_case, 2.5)
    run(NOW)
    hearing.scheduled_at = at(60)
    hearing.save()
    run(at(1.5, hours=0.5))  # the old one-day reminder falls due: it is checked first
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(deadline=at(2.5), offset_days=1).status == "superseded"


def test_reminders_are_written_to_the_outbox_only_shortly_before_they_fall_due(
    monitor, monitor_case
):
    hearing_in(monitor_case, 5)
    run(NOW)  # the 7-day one is due now; the 1-day one (due in 4 days) is not written yet
    assert list(Reminder.objects.values_list("offset_days", flat=True)) == [7]
    run(at(2.5))
    assert sorted(Reminder.objects.values_list("offset_days", flat=True)) == [1, 7]


def test_a_cancelled_hearing_sends_nothing_more(monitor, monitor_case):
    hearing = hearing_in(monitor_case, 5)
    run(NOW)
    hearing.status = Hearing.Status.CANCELLED
    hearing.save()
    run(at(4, hours=0.5))
    assert len(mail.outbox) == 1
    assert not Reminder.objects.filter(status=Reminder.Status.PENDING).exists()


def test_a_hearing_created_late_gets_only_the_nearest_reminder(monitor, monitor_case):
    hearing_in(monitor_case, 0.5)
    report = run(NOW)
    assert report.claimed == 1
    sent = Reminder.objects.get(status=Reminder.Status.SENT)
    assert sent.offset_days == 1
    assert Reminder.objects.get(offset_days=7).status == Reminder.Status.SUPERSEDED
    assert len(mail.outbox) == 1


def test_after_downtime_due_reminders_are_caught_up(monitor, monitor_case):
    hearing_in(monitor_case, 7.5)
    run(NOW)  # planned: 7-day due at day 0.5, 1-day due at day 6.5
    assert not mail.outbox
    report = run(at(3))  # down from day 0 to day 3: the 7-day one is late but still useful
    assert report.claimed == 1 and report.skipped == 0
    assert len(mail.outbox) == 1


def test_after_downtime_past_events_are_skipped_and_reported(monitor, supervisor, monitor_case):
    hearing_in(monitor_case, 7.5)
    run(NOW)
    report = run(at(8))  # down until after the hearing
    assert report.skipped == 2 and report.claimed == 0
    assert not mail.outbox
    assert set(Reminder.objects.values_list("status", flat=True)) >= {Reminder.Status.SKIPPED}
    notice = Notification.objects.get(user=supervisor, kind="missed_reminders")
    assert notice.urgent and "2 reminders" in notice.title
    assert monitor_case.reference in notice.body
    # A second pass reports nothing again.
    run(at(8, hours=1))
    assert Notification.objects.filter(kind="missed_reminders").count() == 1


def test_a_window_opened_and_closed_during_downtime_is_reported(monitor, supervisor):
    run(NOW)  # the last pass before the downtime
    hearing = make_hearing(case=make_case(monitors=[monitor]), scheduled_at=at(9))
    report = run(at(10))  # the whole window passed while nothing ran
    assert report.skipped == 2
    assert Notification.objects.filter(user=supervisor, kind="missed_reminders").exists()
    assert set(
        Reminder.objects.filter(record_id=hearing.pk, kind=Kind.HEARING_UPCOMING).values_list(
            "status", flat=True
        )
    ) == {"skipped"}


def test_a_hearing_recorded_after_it_happened_is_not_reported(monitor, supervisor):
    run(NOW)
    make_hearing(case=make_case(monitors=[monitor]), scheduled_at=at(-2))
    report = run(at(hours=1))
    assert report.skipped == 0
    assert not Reminder.objects.filter(kind=Kind.HEARING_UPCOMING).exists()


def test_a_hearing_report_missing_is_reminded_the_day_after(monitor, monitor_case):
    hearing = hearing_in(monitor_case, -0.5)  # this morning... already past, nothing logged
    run(NOW)
    assert not Reminder.objects.filter(kind=Kind.HEARING_UPCOMING).exists()
    missing = Reminder.objects.get(kind=Kind.HEARING_REPORT_MISSING)
    assert missing.due_at == hearing.scheduled_at + dt.timedelta(days=1)
    run(at(0.6))
    assert Notification.objects.get(user=monitor).urgent


def test_a_logged_hearing_cancels_the_missing_report_reminder(monitor, monitor_case):
    hearing = hearing_in(monitor_case, -0.5)
    run(NOW)
    hearing.status = Hearing.Status.HELD
    hearing.held_at = hearing.scheduled_at
    hearing.save()
    run(at(0.6))
    assert not Notification.objects.exists()
    assert Reminder.objects.get(kind=Kind.HEARING_REPORT_MISSING).status == "superseded"


def test_the_hearings_monitor_is_reminded_even_if_not_assigned_to_the_case(monitor):
    make_hearing(case=make_case(), scheduled_at=at(3), monitor=monitor)
    run(NOW)
    assert Notification.objects.filter(user=monitor).count() == 1


def test_a_muted_kind_is_not_planned(monitor, monitor_case):
    ReminderPreference.objects.create(user=monitor, muted_kinds=[Kind.HEARING_UPCOMING])
    hearing_in(monitor_case, 3)
    run(NOW)
    assert not Reminder.objects.filter(kind=Kind.HEARING_UPCOMING).exists()
    assert not mail.outbox


def test_email_off_still_notifies_in_the_app(monitor, monitor_case):
    ReminderPreference.objects.create(user=monitor, email=False)
    hearing_in(monitor_case, 3)
    run(NOW)
    assert Notification.objects.filter(user=monitor).count() == 1
    assert not mail.outbox
    assert Reminder.objects.get(status="sent", recipient=monitor).emailed is False


def test_an_inactive_user_gets_nothing(monitor, monitor_case):
    monitor.is_active = False
    monitor.save()
    hearing_in(monitor_case, 3)
    run(NOW)
    assert not Reminder.objects.exists()


def test_a_followup_is_reminded_before_and_after_its_due_date(monitor):
    followup = make_followup(owner=monitor, due_on=(NOW + dt.timedelta(days=2)).date())
    run(NOW)
    assert Notification.objects.get(user=monitor).title.startswith("Follow-up due")
    run(at(3, hours=0))
    assert Reminder.objects.filter(kind=Kind.FOLLOWUP_OVERDUE, status="sent").count() == 1
    followup.status = FollowUp.Status.DONE
    followup.done_on = NOW.date()
    followup.save()
    run(at(4))
    assert Notification.objects.filter(user=monitor).count() == 2


def test_the_email_names_nobody_not_even_through_the_case_reference(monitor):
    case = make_case(reference="UN23-P30-SOKHA", monitors=[monitor])
    hearing_in(case, 3)
    run(NOW)
    email = mail.outbox[0]
    assert "SOKHA" not in (email.body + email.subject).upper()
    assert "/hearings/" in email.body  # the link to the details, behind the login
    assert "SOKHA" in Notification.objects.get(user=monitor).title  # in the app it is shown


def test_daily_digest_replaces_emails_and_goes_once_a_day(supervisor, monitor_case):
    monitor_case.monitors.add(supervisor)
    ReminderPreference.objects.create(user=supervisor, daily_digest=True)
    hearing_in(monitor_case, 3)
    run(timezone.make_aware(dt.datetime(2026, 12, 1, 6, 0)))  # before the digest hour
    assert Notification.objects.filter(user=supervisor).count() == 1

    def to_supervisor():
        return [m for m in mail.outbox if m.to == [supervisor.email]]

    assert not to_supervisor()
    run(timezone.make_aware(dt.datetime(2026, 12, 1, 7, 30)))
    run(timezone.make_aware(dt.datetime(2026, 12, 1, 8, 30)))
    assert len(to_supervisor()) == 1
    assert "digest" in to_supervisor()[0].subject.lower()
    assert Digest.objects.get(user=supervisor).reminders == 1


def test_stuck_reminders_are_queued_again(monitor, monitor_case, settings):
    hearing_in(monitor_case, 3)
    lost = []
    run(NOW, enqueue=lost.append)  # the broker lost the message
    assert Reminder.objects.get(pk=lost[0]).status == Reminder.Status.CLAIMED
    report = run(at(hours=1))
    assert report.requeued == 1
    assert Reminder.objects.get(pk=lost[0]).status == Reminder.Status.SENT
    assert len(mail.outbox) == 1


def test_a_pass_costs_the_same_queries_for_one_or_many_hearings(monitor, other_monitor):
    def queries_for_pass(n: int) -> int:
        Reminder.objects.all().delete()
        PassRun.objects.all().delete()  # both passes plan as the first pass of a day
        Hearing.objects.all().delete()
        for _ in range(n):
            hearing_in(make_case(monitors=[monitor, other_monitor]), 3)
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as ctx:
            run_pass(now=NOW, enqueue=lambda pk: None)
        return len(ctx.captured_queries)

    assert queries_for_pass(1) == queries_for_pass(6)


def test_run_reminders_without_redis_delivers_in_process(monitor, monitor_case, capsys, settings):
    settings.REDIS_URL = ""
    hearing_in(monitor_case, 3)
    with time_machine.travel(NOW, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        call_command("run_reminders")
    assert "claimed 1" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_a_reminder_speaks_the_language_its_recipient_saved(monitor, other_monitor):
    from accounts.language import save_language

    save_language(user=monitor, language="km")
    case = make_case(monitors=[monitor, other_monitor])
    hearing_in(case, 3)
    run(NOW)
    khmer = Notification.objects.get(user=monitor)
    english = Notification.objects.get(user=other_monitor)
    assert any("\u1780" <= char <= "\u17ff" for char in khmer.title), khmer.title
    assert english.title.isascii(), english.title
    assert khmer.title != english.title
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert any("\u1780" <= char <= "\u17ff" for char in subjects[monitor.email])
