"""Writes of the observation page: autosaved drafts, the submit, attachments, the assessment."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import access
from cases.models import Case, Hearing
from cases.services.proceedings import record_hearing_outcome

from .attachments import FileType
from .models import Answer, Attachment, Checklist, FairnessAssessment, Observation

OBSERVATION_FIELDS = (
    "started_at",
    "ended_at",
    "judges",
    "prosecutor",
    "defence_counsel",
    "defendants_present",
    "monitor_access",
    "public_access",
    "media_access",
    "security_presence",
    "result",
    "next_hearing_at",
    "summary",
)


def may_observe(user, hearing: Hearing) -> bool:
    """Return True when the user may record an observation of this hearing."""
    if not user.has_perm("observations.add_observation"):
        return False
    if hearing.monitor_id == user.pk or access.manages_all_cases(user):
        return True
    return Case.objects.editable_by(user).filter(pk=hearing.case_id).exists()


def may_change(user, observation: Observation) -> bool:
    """Return True when the user may change this observation: its author, or a supervisor."""
    if not user.has_perm("observations.change_observation"):
        return False
    return observation.observer_id == user.pk or access.manages_all_cases(user)


def observation_for(*, hearing: Hearing, observer, lock: bool = False) -> Observation | None:
    queryset = Observation.objects.filter(hearing=hearing, observer=observer)
    if lock:
        queryset = queryset.select_for_update()
    return queryset.first()


def _get_or_create(*, hearing: Hearing, observer) -> Observation:
    """Return the observer's observation of the hearing, locked, creating the draft once."""
    observation = observation_for(hearing=hearing, observer=observer, lock=True)
    if observation is not None:
        return observation
    checklist = Checklist.objects.current()
    if checklist is None:
        raise ValidationError(_("No fair-trial checklist is published yet: ask an admin."))
    try:
        with transaction.atomic():
            return Observation.objects.create(
                hearing=hearing, observer=observer, checklist=checklist
            )
    except IntegrityError:
        # A concurrent first save (a retried request) created it: use that one.
        return observation_for(hearing=hearing, observer=observer, lock=True)


def _apply(observation: Observation, *, fields: dict, answers: dict[int, tuple[str, str]]):
    for name, value in fields.items():
        if name in OBSERVATION_FIELDS:
            setattr(observation, name, value)
    valid_items = set(observation.checklist.items.values_list("pk", flat=True))
    stored = {answer.item_id: answer for answer in observation.answers.all()}
    for item_id, (verdict, note) in answers.items():
        if item_id not in valid_items:
            continue
        answer = stored.get(item_id)
        if answer is None:
            if verdict or note:
                Answer.objects.create(
                    observation=observation, item_id=item_id, verdict=verdict, note=note
                )
        elif (answer.verdict, answer.note) != (verdict, note):
            # Only what changed is written, so the audit trail shows edits, not keystrokes.
            answer.verdict, answer.note = verdict, note
            answer.save(update_fields=["verdict", "note"])


@transaction.atomic
def save_draft(
    *,
    hearing: Hearing,
    observer,
    fields: dict,
    answers: dict[int, tuple[str, str]],
    seq: int | None = None,
) -> tuple[Observation, bool]:
    """Save what the monitor has typed so far; return the observation and whether it was applied.

    ``seq`` numbers the phone's saves: a save older than the newest one applied (a retry that
    arrives late) changes nothing. A submitted observation is not changed by autosaves.
    """
    observation = _get_or_create(hearing=hearing, observer=observer)
    if seq is not None and seq <= observation.draft_seq:
        return observation, False
    if observation.is_submitted and seq is not None:
        return observation, False
    _apply(observation, fields=fields, answers=answers)
    if seq is not None:
        observation.draft_seq = seq
    observation.save()
    return observation, True


@transaction.atomic
def submit_observation(
    *,
    hearing: Hearing,
    observer,
    by,
    fields: dict,
    answers: dict[int, tuple[str, str]],
    token: uuid.UUID | None,
    seq: int | None = None,
) -> tuple[Observation, bool]:
    """Save and submit; return the observation and False when this submit was a replay.

    A replay (the same form's token, sent again after a network error) changes nothing and
    creates nothing. What happened at the hearing is recorded on the hearing itself when it is
    still marked scheduled: an adjournment with a date schedules the next hearing, once.
    """
    observation = _get_or_create(hearing=hearing, observer=observer)
    if observation.is_submitted and token is not None and observation.submit_token == token:
        return observation, False
    _apply(observation, fields=fields, answers=answers)
    errors = observation.domain_errors()
    if errors:
        raise ValidationError(errors)
    observation.status = Observation.Status.SUBMITTED
    observation.submitted_at = observation.submitted_at or timezone.now()
    observation.submit_token = token or uuid.uuid4()
    if seq is not None:
        observation.draft_seq = max(observation.draft_seq, seq)
    observation.full_clean(exclude=["hearing", "observer", "checklist"])
    observation.save()
    _record_on_hearing(observation, by=by)
    return observation, True


def _record_on_hearing(observation: Observation, *, by) -> None:
    hearing = Hearing.objects.select_for_update().get(pk=observation.hearing_id)
    if hearing.status != Hearing.Status.SCHEDULED:
        return  # already recorded (by another monitor, or on the hearing page): keep it
    held_at = None
    if observation.started_at and observation.result == Observation.Result.HELD:
        local = timezone.localtime(hearing.scheduled_at)
        held_at = local.replace(
            hour=observation.started_at.hour, minute=observation.started_at.minute
        )
    record_hearing_outcome(
        hearing=hearing,
        status=observation.result,
        held_at=held_at,
        outcome=observation.summary,
        next_hearing_at=(
            observation.next_hearing_at
            if observation.result == Observation.Result.ADJOURNED
            else None
        ),
        by=by,
    )


@transaction.atomic
def attach_files(
    *, observation: Observation, uploads: list[tuple[object, FileType, str]], by
) -> list[Attachment]:
    """Store checked uploads; a file already attached (same bytes) is not stored twice."""
    known = set(observation.attachments.values_list("sha256", flat=True))
    created = []
    for upload, kind, digest in uploads:
        if digest in known:
            continue
        known.add(digest)
        attachment = Attachment(
            observation=observation,
            kind=kind.kind,
            original_name=str(upload.name)[:200],
            content_type=kind.content_type,
            size=upload.size,
            sha256=digest,
            uploaded_by=by,
        )
        attachment.file.save(f"upload.{kind.extension}", upload, save=False)
        attachment.save()
        created.append(attachment)
    return created


@transaction.atomic
def assess_fairness(*, case: Case, grade: str, reasoning: str, version: int | None, by):
    """Record or change a supervisor's fairness grade of the whole trial."""
    assessment = FairnessAssessment.objects.filter(case=case).first() or FairnessAssessment(
        case=case
    )
    assessment.grade, assessment.reasoning, assessment.assessed_by = grade, reasoning, by
    if version is not None and assessment.pk:
        assessment.version = version
    assessment.full_clean()
    assessment.save()
    return assessment
