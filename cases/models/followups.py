"""Follow-ups: interventions with authorities and their responses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import (
    FuzzyDatesModel,
    LiveManager,
    SoftDeletable,
    deleted_index,
    fuzzy_date_constraint,
    fuzzy_date_fields,
)
from .cases import Case
from .detentions import Detention
from .people import Organisation, Person
from .places import DetentionFacility


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))

    def open(self):
        return self.filter(status=FollowUp.Status.OPEN)

    def owned_by(self, user):
        return self.filter(owner=user)

    def overdue(self, *, on=None):
        return self.open().filter(due_on__lt=on or timezone.localdate())

    def for_list(self):
        return self.select_related("case", "person", "addressed_to", "owner")

    def for_export(self):
        """Return the rows an export reads; it selects related columns by name (values())."""
        return self.select_related("case", "person", "addressed_to", "owner")


class FollowUp(SoftDeletable, FuzzyDatesModel):
    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised with an authority")
        LETTER = "letter", _("Letter")
        INVESTIGATION_CALL = "investigation_call", _("Call for investigation")
        SPECIAL_PROCEDURES = "special_procedures", _("Communication to special procedures")
        VISIT = "visit", _("Monitoring visit")
        LEGAL_AID = "legal_aid", _("Legal aid")
        STATEMENT = "statement", _("Public statement")
        MEETING = "meeting", _("Meeting")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    fuzzy_dates = ("done",)
    label_related = ("case",)

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="followups"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
    )
    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups",
    )
    facility = models.ForeignKey(
        DetentionFacility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
    )
    kind = models.CharField(_("kind"), max_length=18, choices=Kind.choices)
    addressed_to = models.ForeignKey(
        Organisation,
        verbose_name=_("addressed to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups_received",
    )
    description = models.TextField(_("what was done or is to be done"))
    done_on, done_precision, done_until = fuzzy_date_fields(_("done on"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=4, choices=Status.choices, default=Status.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups_owned",
    )
    response = models.TextField(_("response received"), blank=True)

    objects = LiveManager.from_queryset(FollowUpQuerySet)()
    all_objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_on", "-done_on", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            deleted_index("followup"),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["owner", "status"]),
        ]
        constraints = [
            fuzzy_date_constraint("done", "followup"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(done_on__isnull=False),
                name="followup_done_has_date",
                violation_error_message=_("A follow-up marked done needs the date it was done."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.case.reference}"

    def get_absolute_url(self) -> str:
        return reverse("cases:followup-detail", args=[self.pk])

    @property
    def case_for_access(self):
        return self.case

    @property
    def done(self):
        return self.fuzzy("done")

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    def domain_errors(self) -> dict:
        errors = {}
        if self.status == self.Status.DONE and not self.done_on:
            errors["done_on"] = _("A follow-up marked done needs the date it was done.")
        if self.detention_id and self.person_id and self.detention.person_id != self.person_id:
            errors["detention"] = _("This detention is of another person.")
        if (
            self.detention_id
            and self.case_id
            and self.detention.case_id not in (None, self.case_id)
        ):
            errors["detention"] = _("This detention belongs to another case.")
        return errors
