"""Hearings: record them and keep the hearing an adjournment leads to in step."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import Hearing

from .records import delete_record

logger = logging.getLogger("cases.audit")


@transaction.atomic
def record_hearing(*, hearing: Hearing, by) -> Hearing:
    """Validate and save a hearing; schedule, move or withdraw the next one it leads to."""
    if hearing.pk:
        # Lock the row so that two saves of the same adjournment cannot both schedule.
        list(Hearing.objects.select_for_update().filter(pk=hearing.pk).values_list("pk"))
    hearing.full_clean()
    hearing.save()
    _sync_next_hearing(hearing, by=by)
    logger.info("hearing %s recorded by %s", hearing.pk, getattr(by, "pk", None))
    return hearing


@transaction.atomic
def record_hearing_outcome(
    *,
    hearing: Hearing,
    status: str,
    held_at: dt.datetime | None = None,
    outcome: str = "",
    next_hearing_at: dt.datetime | None = None,
    by,
) -> Hearing:
    """Record what happened at a hearing; an adjournment with a date schedules the next one."""
    hearing.status = status
    hearing.held_at = held_at
    hearing.outcome = outcome
    hearing.next_hearing_at = next_hearing_at
    return record_hearing(hearing=hearing, by=by)


def _sync_next_hearing(hearing: Hearing, *, by) -> None:
    """Make the scheduled follow-on hearing match this hearing's adjournment, idempotently.

    An adjournment with a next date has exactly one next hearing (``previous`` is one-to-one).
    A next hearing that already took place is history and is never moved or withdrawn. A
    withdrawn one is marked deleted (restorable, audited) and comes back if the hearing is
    adjourned again.
    """
    existing = Hearing.all_objects.select_for_update().filter(previous=hearing).first()
    adjourned_to = hearing.next_hearing_at if hearing.status == Hearing.Status.ADJOURNED else None
    still_scheduled = (
        existing is not None
        and existing.status == Hearing.Status.SCHEDULED
        and existing.held_at is None
    )
    if adjourned_to is None:
        if still_scheduled and not existing.is_deleted:
            # The adjournment was corrected away: withdraw the hearing it had scheduled.
            delete_record(record=existing, by=by)
        return
    if existing is None:
        next_hearing = Hearing(
            case_id=hearing.case_id,
            court_id=hearing.court_id,
            kind=hearing.kind,
            scheduled_at=adjourned_to,
            monitor_id=hearing.monitor_id,
            previous=hearing,
        )
        _validate_as_next(next_hearing)
        next_hearing.save()
    elif still_scheduled and (existing.scheduled_at != adjourned_to or existing.is_deleted):
        existing.scheduled_at = adjourned_to
        existing.deleted_at = None
        existing.deleted_by = None
        _validate_as_next(existing)
        existing.save(update_fields=["scheduled_at", "deleted_at", "deleted_by", "updated_at"])


def _validate_as_next(next_hearing: Hearing) -> None:
    """Validate the next hearing, reporting its problems against this hearing's next date."""
    try:
        next_hearing.full_clean()
    except ValidationError as error:
        raise ValidationError({"next_hearing_at": error.messages}) from error
