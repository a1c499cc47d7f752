"""Detentions over time: record one, release the detainee, move them to the next stage.

A detention row is one stage (police custody, pretrial, serving a sentence...). "The detention
changed" is never an edit of the kind: the current row ends with reason ``next_stage`` and a
new row opens on the same day, so every stage keeps its own dates and legal clock.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.dates import Precision
from cases.models import Detention, DetentionFacility


@transaction.atomic
def record_detention(*, detention: Detention, by) -> Detention:
    """Validate and save a new or edited detention."""
    # ``by`` is the author for the audit trail, kept in the signature so callers need not
    # change when the trail is written.
    detention.full_clean()
    detention.save()
    return detention


def _locked(detention: Detention) -> Detention:
    """Return the stored row, locked until the transaction ends (two monitors, one release)."""
    return Detention.objects.select_for_update().get(pk=detention.pk)


@transaction.atomic
def release_detainee(
    *,
    detention: Detention,
    ended_on: dt.date,
    precision: str = Precision.DAY,
    reason: str,
    by,
) -> Detention:
    """End an ongoing detention on a day, for a reason; return the updated row."""
    current = _locked(detention)
    if current.ended_on is not None:
        raise ValidationError(_("This detention has already ended."))
    current.ended_on = ended_on
    current.ended_precision = precision
    current.ended_until = None
    current.end_reason = reason
    current.full_clean()
    current.save()
    return current


@transaction.atomic
def change_detention(
    *,
    detention: Detention,
    kind: str,
    started_on: dt.date,
    facility: DetentionFacility | None,
    by,
) -> Detention:
    """End the current stage as ``next_stage`` and open the next one on the same day.

    Return the new row. Both rows are validated before either is written, and both writes
    happen in one transaction: the person is never recorded as released in between.
    """
    current = _locked(detention)
    if current.ended_on is not None:
        raise ValidationError(_("This detention has already ended."))
    if kind == current.kind:
        raise ValidationError({"kind": _("Choose a different kind of detention.")})
    if started_on < current.started_on:
        raise ValidationError(
            {"started_on": _("The next stage cannot start before the current one.")}
        )

    current.ended_on = started_on
    current.ended_precision = Precision.DAY
    current.ended_until = None
    current.end_reason = Detention.EndReason.NEXT_STAGE
    following = Detention(
        person=current.person,
        case=current.case,
        kind=kind,
        facility=facility,
        started_on=started_on,
        started_precision=Precision.DAY,
    )
    current.full_clean()
    following.full_clean()
    current.save()
    following.save()
    return following
