"""The reminder pass: plan, claim what is due, deliver each reminder exactly once.

A pass (``run_pass``) is a plain function, run every minute by Celery beat or by
``manage.py run_reminders --loop``:

1. plan: ``planning.sync_reminders`` inserts the reminders the records call for;
2. dispatch: one indexed query selects the pending reminders due by now (``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, so concurrent passes never claim the same row); those whose event is
   over are skipped and reported to the supervisors; those the records no longer call for are
   superseded; the rest are claimed, and their delivery is queued after the commit;
3. requeue: reminders claimed long ago and still not delivered (the broker was down, a worker
   died) are queued again; delivery is idempotent, so a duplicate message is harmless;
4. digests: supervisors who chose a daily digest get it once a day.

Delivery (``deliver_reminder``) locks the row, stops if it is no longer claimed, writes the
in-app notification (one per reminder, by a unique key) and commits; then, in a second
transaction, sends the e-mail and marks the reminder sent. A worker killed before that commit
leaves the reminder claimed: the redelivered task finds the notification already there and sends
the e-mail once. The connection to the mail server is closed (QUIT) only after that commit,
so a worker killed while saying goodbye has already recorded the message as sent. The one
window left is a crash after the mail server accepted the message (its reply to DATA) and
before the commit (one database round trip): the e-mail's Message-ID is fixed per reminder, so
a repeated message is recognisable as the same one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from accounts.language import saved_language

from .kinds import Kind
from .messages import compose, load_record
from .models import Digest, Notification, PassRun, Reminder, ReminderPreference
from .planning import Audiences, reminder_key, sync_reminders, wanted_keys_for

log = logging.getLogger("reminders")

# Queues one delivery; returning False means the broker is down (the rest of the batch is left
# claimed for the requeue step rather than tried one by one).
Enqueue = Callable[[int], object]
PASS_HISTORY = dt.timedelta(days=30)


@dataclass
class PassReport:
    planned: int = 0
    created: int = 0
    superseded: int = 0
    claimed: int = 0
    skipped: int = 0
    requeued: int = 0
    digests: int = 0
    queued_ids: list[int] = field(default_factory=list)
    skipped_ids: list[int] = field(default_factory=list)

    def stats(self) -> dict[str, int]:
        names = ("planned", "created", "claimed", "skipped", "superseded", "requeued", "digests")
        return {name: getattr(self, name) for name in names}

    def __str__(self) -> str:
        return (
            f"planned {self.planned} (new {self.created}), claimed {self.claimed}, "
            f"skipped {self.skipped}, superseded {self.superseded}, "
            f"requeued {self.requeued}, digests {self.digests}"
        )


def run_pass(*, now: dt.datetime | None = None, enqueue: Enqueue | None = None) -> PassReport:
    """Run one reminder pass; ``enqueue`` queues a delivery (default: Celery or in-process)."""
    now = now or timezone.now()
    enqueue = enqueue or default_enqueue()
    audiences = Audiences()
    report = PassReport()
    since = PassRun.last_started()
    run = PassRun.objects.create(started_at=now)
    with transaction.atomic():
        planned = sync_reminders(now=now, since=since, audiences=audiences)
    report.planned, report.created = planned.planned, planned.created
    report.superseded += planned.superseded
    while True:
        batch = dispatch_due(now=now, enqueue=enqueue, audiences=audiences, report=report)
        if batch < settings.REMINDER_BATCH:
            break
    requeue_stuck(now=now, enqueue=enqueue, report=report)
    report.digests = send_digests(now=now)
    run.finished_at = timezone.now()
    run.stats = report.stats()
    run.save(update_fields=["finished_at", "stats"])
    PassRun.objects.filter(started_at__lt=now - PASS_HISTORY).delete()
    log.info("reminder pass: %s", report)
    return report


def default_enqueue() -> Enqueue:
    """Queue deliveries on Celery when Redis is configured, else deliver in this process."""
    if settings.REDIS_URL:
        return celery_enqueue
    return lambda reminder_id: deliver_reminder(reminder_id=reminder_id)


def celery_enqueue(reminder_id: int) -> bool:
    """Queue one delivery; if the broker is down, leave it claimed for the requeue step."""
    from .tasks import deliver

    try:
        deliver.apply_async(
            args=[reminder_id], queue=settings.CELERY_TASK_DEFAULT_QUEUE, retry=False
        )
    except Exception:  # the broker is unreachable: the next passes requeue it
        log.warning("could not queue reminder %s; it will be requeued", reminder_id)
        return False
    return True


def enqueue_all(enqueue: Enqueue, ids: list[int]) -> None:
    """Queue each delivery; once the broker refuses one, leave the rest for the requeue step."""
    for done, pk in enumerate(ids):
        if enqueue(pk) is False:
            if rest := len(ids) - done - 1:
                log.warning("the broker is down: %d more reminders left to be requeued", rest)
            return


def dispatch_due(
    *, now: dt.datetime, enqueue: Enqueue, audiences: Audiences, report: PassReport
) -> int:
    """Claim one batch of due reminders; return how many rows the batch held."""
    with transaction.atomic():
        rows = list(
            Reminder.objects.due(now=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("case", "recipient")[: settings.REMINDER_BATCH]
        )
        if not rows:
            return 0
        stale = [row for row in rows if row.offset_days > 0 and row.deadline < now]
        live = [row for row in rows if row not in stale]
        wanted = wanted_keys_for(live, now=now, audiences=audiences)
        unwanted = [row for row in live if reminder_key(row) not in wanted]
        claim = _nearest_only([row for row in live if reminder_key(row) in wanted])
        replaced = [row for row in live if reminder_key(row) in wanted and row not in claim]
        _set_status(stale, Reminder.Status.SKIPPED, "its event had passed when it fell due")
        _set_status(unwanted, Reminder.Status.SUPERSEDED, "the record changed")
        _set_status(replaced, Reminder.Status.SUPERSEDED, "a nearer reminder replaced it")
        Reminder.objects.filter(pk__in=[row.pk for row in claim]).update(
            status=Reminder.Status.CLAIMED, claimed_at=now
        )
        if stale:
            report_skipped(stale, audiences=audiences, now=now)
        ids = [row.pk for row in claim]
        transaction.on_commit(lambda: enqueue_all(enqueue, ids))
    report.claimed += len(claim)
    report.skipped += len(stale)
    report.superseded += len(unwanted) + len(replaced)
    report.queued_ids += ids
    report.skipped_ids += [row.pk for row in stale]
    return len(rows)


def _nearest_only(rows: list[Reminder]) -> list[Reminder]:
    """Keep, per event and recipient, only the reminder nearest the event (smallest offset)."""
    best: dict[tuple, Reminder] = {}
    for row in rows:
        key = (row.kind, row.record_type, row.record_id, row.deadline, row.recipient_id)
        if key not in best or row.offset_days < best[key].offset_days:
            best[key] = row
    return list(best.values())


def _set_status(rows: list[Reminder], status: str, note: str) -> None:
    if rows:
        Reminder.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=status, status_note=note
        )


def report_skipped(rows: list[Reminder], *, audiences: Audiences, now: dt.datetime) -> None:
    """Tell each supervisor which reminders could not be sent in time (one notice per pass)."""
    lines = []
    for row in rows:
        lines.append(
            _("%(kind)s for %(case)s, deadline %(date)s, was due %(due)s for %(user)s")
            % {
                "kind": Kind(row.kind).label,
                "case": row.case.reference if row.case else "-",
                "date": timezone.localtime(row.deadline).strftime("%Y-%m-%d %H:%M"),
                "due": timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M"),
                "user": row.recipient.get_username(),
            }
        )
    title = ngettext(
        "%(n)d reminder could not be sent in time",
        "%(n)d reminders could not be sent in time",
        len(rows),
    ) % {"n": len(rows)}
    body = "\n".join(lines)
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=pk,
                kind="missed_reminders",
                title=title,
                body=body,
                urgent=True,
                created_at=now,
            )
            for pk in audiences.supervisors
        ]
    )
    log.warning("skipped %d reminders whose event had passed: %s", len(rows), body)


def requeue_stuck(*, now: dt.datetime, enqueue: Enqueue, report: PassReport) -> None:
    """Queue again the reminders claimed long ago and never delivered."""
    before = now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(
            Reminder.objects.stuck(before=before)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: settings.REMINDER_BATCH]
        )
        if not ids:
            return
        Reminder.objects.filter(pk__in=ids).update(claimed_at=now)
        transaction.on_commit(lambda: enqueue_all(enqueue, ids))
    report.requeued += len(ids)
    report.queued_ids += ids


def _preference(user) -> ReminderPreference:
    try:
        return user.reminder_preference
    except ReminderPreference.DoesNotExist:
        return ReminderPreference(user=user)


def deliver_reminder(*, reminder_id: int) -> str:
    """Deliver one claimed reminder: notification, then e-mail; return what happened."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("case", "recipient")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            return "busy"  # another delivery holds it, or it is gone
        if reminder.status != Reminder.Status.CLAIMED:
            return "done"
        record = load_record(reminder)
        if record is None:
            reminder.status = Reminder.Status.SUPERSEDED
            reminder.status_note = "the record was deleted"
            reminder.save(update_fields=["status", "status_note"])
            return "superseded"
        user = reminder.recipient
        preference = _preference(user)
        with override(saved_language(user) or settings.LANGUAGE_CODE):
            message = compose(reminder, record)
        reminder.attempts += 1
        Notification.objects.get_or_create(
            reminder=reminder,
            defaults={
                "user": user,
                "kind": reminder.kind,
                "title": message.title,
                "body": message.body,
                "url": message.url,
                "urgent": message.urgent,
            },
        )
        wants_email = bool(user.email) and preference.email and not preference.daily_digest
        if not wants_email:
            reminder.status = Reminder.Status.SENT
            reminder.sent_at = timezone.now()
        reminder.save(update_fields=["attempts", "status", "sent_at"])
    if not wants_email:
        return "notified"
    # The mail connection is closed (SMTP QUIT) only after the commit: "sent" is recorded as
    # soon as the server has accepted the message, not after the end of the conversation.
    with ExitStack() as after_commit, transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True).filter(pk=reminder_id).first()
        )
        if reminder is None or reminder.status != Reminder.Status.CLAIMED:
            return "done"
        email = EmailMessage(
            subject=message.email_subject,
            body=message.email_body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Message-ID": f"<reminder-{reminder.pk}@{_mail_domain()}>"},
        )
        after_commit.enter_context(mailers.default).send_messages([email])
        reminder.status = Reminder.Status.SENT
        reminder.sent_at = timezone.now()
        reminder.emailed = True
        reminder.save(update_fields=["status", "sent_at", "emailed"])
    return "emailed"


def _mail_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"


def send_digests(*, now: dt.datetime) -> int:
    """Send each digest user, once a day after the digest hour, what reached them in a day."""
    local = timezone.localtime(now)
    if local.hour < settings.REMINDER_DIGEST_HOUR:
        return 0
    day = local.date()
    preferences = (
        ReminderPreference.objects.filter(daily_digest=True, user__is_active=True)
        .exclude(user__email="")
        .exclude(user__digests__day=day)
        .select_related("user")
    )
    sent = 0
    since = now - dt.timedelta(days=1)
    for preference in preferences:
        user = preference.user
        with transaction.atomic():
            digest, created = Digest.objects.get_or_create(user=user, day=day)
            if not created:
                continue
            notices = list(
                Notification.objects.for_user(user)
                .filter(created_at__gte=since)
                .order_by("-urgent", "created_at")
                .values_list("title", "urgent")
            )
            digest.reminders = len(notices)
            digest.save(update_fields=["reminders"])
            with override(saved_language(user) or settings.LANGUAGE_CODE):
                lines = [("! " if urgent else "- ") + title for title, urgent in notices] or [
                    _("Nothing new in the last 24 hours.")
                ]
                subject = f"[{_('Case monitoring')}] " + _("Daily digest, %(day)s") % {
                    "day": day.isoformat()
                }
            EmailMessage(
                subject=subject,
                body="\n".join([*lines, "", settings.SITE_URL.rstrip("/") + "/notifications/"]),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
                headers={"Message-ID": f"<digest-{user.pk}-{day:%Y%m%d}@{_mail_domain()}>"},
            ).send()
            sent += 1
    return sent
