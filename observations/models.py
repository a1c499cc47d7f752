"""Fair-trial observation: a versioned checklist, one observation per hearing and monitor.

The checklist is data. A version that an observation has used is frozen: admins change the
checklist by copying it to a new version, editing and publishing that. Old observations keep
pointing at the items they were answered against, so they stay readable; the roll-up of a case
groups answers by the item's stable ``code`` across versions.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Hearing
from cases.models.base import TimeStamped


class Section(models.TextChoices):
    LOGISTICS = "logistics", _("Logistics")
    PRETRIAL = "pretrial", _("Pre-trial")
    HEARING = "hearing", _("Hearing")
    POSTTRIAL = "posttrial", _("Post-trial")


SECTION_ORDER = {section: index for index, section in enumerate(Section.values)}


class Verdict(models.TextChoices):
    """How a checklist item was answered."""

    RESPECTED = "respected", _("Respected")
    VIOLATED = "violated", _("Violated")
    NOT_OBSERVED = "not_observed", _("Not observed")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ChecklistQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current(self) -> Checklist | None:
        """Return the newest published version, the one new observations use."""
        return self.published().order_by("-number").first()


class Checklist(models.Model):
    """One version of the fair-trial checklist."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(
        _("published"),
        null=True,
        blank=True,
        help_text=_("New observations use the newest published version."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def is_frozen(self) -> bool:
        """Return True once an observation used this version: its items no longer change."""
        return self.pk is not None and self.observations.exists()

    def publish(self) -> None:
        self.published_at = self.published_at or timezone.now()
        self.save(update_fields=["published_at"])


class ChecklistItemQuerySet(models.QuerySet):
    def in_order(self):
        return self.order_by("position", "pk")


class ChecklistItem(models.Model):
    """One question of a checklist version, citing the standard it checks."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.SlugField(
        _("code"),
        max_length=60,
        help_text=_("Stable across versions: answers to the same code are counted together."),
    )
    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question (English)"), max_length=300)
    text_km = models.CharField(_("question (Khmer)"), max_length=300, blank=True)
    guidance = models.TextField(_("guidance (English)"), blank=True)
    guidance_km = models.TextField(_("guidance (Khmer)"), blank=True)
    standard = models.CharField(
        _("standard"), max_length=200, help_text=_("For example: ICCPR art. 14(3)(d).")
    )

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        ordering = ["checklist", "position", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "code"],
                name="checklist_item_code_unique",
                violation_error_message=_("This version already has an item with this code."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    @property
    def label(self) -> str:
        """Return the question in the active language (English when no Khmer is given)."""
        if (get_language() or "").startswith("km") and self.text_km:
            return self.text_km
        return self.text

    @property
    def help(self) -> str:
        if (get_language() or "").startswith("km") and self.guidance_km:
            return self.guidance_km
        return self.guidance

    def clean(self):
        if self.checklist_id and self.checklist.is_frozen:
            raise ValidationError(
                _(
                    "Observations already use version %(number)s: copy it to a new version "
                    "to change its items."
                ),
                params={"number": self.checklist.number},
            )


class ObservationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(hearing__case__in=Case.objects.visible_to(user).values("pk"))

    def submitted(self):
        return self.filter(status=Observation.Status.SUBMITTED)

    def of_case(self, case):
        return self.filter(hearing__case=case, hearing__deleted_at__isnull=True)


class Observation(TimeStamped):
    """What one monitor saw at one hearing: logistics, and the answers to the checklist."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Access(models.TextChoices):
        GRANTED = "granted", _("Granted")
        LIMITED = "limited", _("Limited")
        DENIED = "denied", _("Denied")

    class Result(models.TextChoices):
        HELD = Hearing.Status.HELD.value, _("Held")
        ADJOURNED = Hearing.Status.ADJOURNED.value, _("Adjourned")
        CANCELLED = Hearing.Status.CANCELLED.value, _("Cancelled")

    hearing = models.ForeignKey(
        Hearing,
        verbose_name=_("hearing"),
        on_delete=models.CASCADE,
        related_name="observations",
    )
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("observer"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    checklist = models.ForeignKey(
        Checklist,
        verbose_name=_("checklist version"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # The token of the form that submitted it: a replayed submit of that form changes nothing.
    submit_token = models.UUIDField(null=True, blank=True, editable=False)
    # The newest autosave applied, numbered by the phone: an older one arriving late is ignored.
    draft_seq = models.PositiveBigIntegerField(default=0, editable=False)

    started_at = models.TimeField(_("started at"), null=True, blank=True)
    ended_at = models.TimeField(_("ended at"), null=True, blank=True)
    judges = models.CharField(_("judges"), max_length=300, blank=True)
    prosecutor = models.CharField(_("prosecutor"), max_length=200, blank=True)
    defence_counsel = models.CharField(_("defence counsel"), max_length=300, blank=True)
    defendants_present = models.CharField(_("defendants present"), max_length=300, blank=True)
    monitor_access = models.CharField(
        _("monitor access"), max_length=8, choices=Access.choices, blank=True
    )
    public_access = models.CharField(
        _("public and family"), max_length=8, choices=Access.choices, blank=True
    )
    media_access = models.CharField(_("media"), max_length=8, choices=Access.choices, blank=True)
    security_presence = models.CharField(_("security presence"), max_length=300, blank=True)
    result = models.CharField(_("what happened"), max_length=9, choices=Result.choices, blank=True)
    next_hearing_at = models.DateTimeField(_("next hearing"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        ordering = ["-hearing__scheduled_at", "pk"]
        verbose_name = _("hearing observation")
        verbose_name_plural = _("hearing observations")
        constraints = [
            # One observation per monitor and hearing: a retried first save finds it.
            models.UniqueConstraint(
                fields=["hearing", "observer"],
                name="observation_one_per_monitor",
                violation_error_message=_("You already have an observation of this hearing."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="observation_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(ended_at__gte=models.F("started_at")),
                name="observation_ends_after_start",
                violation_error_message=_("The hearing cannot end before it started."),
            ),
        ]
        indexes = [models.Index(fields=["observer", "status"])]

    def __str__(self) -> str:
        return _("Observation of %(hearing)s") % {"hearing": self.hearing}

    def get_absolute_url(self) -> str:
        return reverse("observations:observation-detail", args=[self.pk])

    @property
    def case_for_access(self):
        return self.hearing.case

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def domain_errors(self) -> dict:
        """Return what must be fixed before this observation can be submitted."""
        errors = {}
        if not self.result:
            errors["result"] = _("Say whether the hearing was held, adjourned or cancelled.")
        if (
            self.result == self.Result.ADJOURNED
            and not self.next_hearing_at
            and not self.summary.strip()
        ):
            errors["summary"] = _("Say why the hearing was adjourned, or give the next date.")
        if self.next_hearing_at and self.next_hearing_at <= self.hearing.scheduled_at:
            errors["next_hearing_at"] = _("The next hearing must come after this one.")
        return errors


class Answer(models.Model):
    """One checklist item answered in one observation."""

    observation = models.ForeignKey(
        Observation, verbose_name=_("observation"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="answers"
    )
    verdict = models.CharField(_("answer"), max_length=14, choices=Verdict.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["item__position", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["observation", "item"], name="answer_one_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_verdict_display() or '-'}"

    @property
    def case_for_access(self):
        return self.observation.hearing.case


def attachment_path(instance: Attachment, filename: str) -> str:
    """Store under a random name: the original name (which may name a person) stays in the row."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"observations/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension[:8]}"


class Attachment(models.Model):
    """A photo of a document or an audio note attached to an observation (never public)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        AUDIO = "audio", _("Audio note")
        DOCUMENT = "document", _("Document")

    observation = models.ForeignKey(
        Observation,
        verbose_name=_("observation"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("observations:attachment", args=[self.pk])

    @property
    def case_for_access(self):
        return self.observation.hearing.case


class FairnessAssessment(TimeStamped):
    """A supervisor's grade of the whole trial, A (fair) to F, with the reasoning."""

    class Grade(models.TextChoices):
        A = "A", _("A: fair")
        B = "B", _("B: minor shortcomings")
        C = "C", _("C: shortcomings that may have affected the outcome")
        D = "D", _("D: serious violations")
        F = "F", _("F: grossly unfair")

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="fairness"
    )
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    reasoning = models.TextField(
        _("reasoning"), help_text=_("Which rights were violated and why it matters.")
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fairness assessment")
        verbose_name_plural = _("fairness assessments")

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.grade}"

    @property
    def case_for_access(self):
        return self.case
