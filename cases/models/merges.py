"""Duplicate people: merges (which can be undone) and pairs dismissed as not duplicates."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .people import Person


class MergeRecordQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("survivor", "merged", "merged_by", "undone_by")


class MergeRecord(TimeStamped):
    """One merge of two people: what moved, exactly, so that it can be undone.

    ``journal`` lists each step in the order it was made: a link moved from one row to another
    (``move``), a row set aside because the survivor already had its twin (``set_aside``), a
    field of the survivor filled (``field``), roles added (``roles``) and the merged person
    retired (``retire``), each with the values before and after. Undoing checks that every
    step still holds, then reverses them in the opposite order.
    """

    # What the audit trail masks for whoever may not see a protected identity.
    protected_identity_fields = ("journal", "note")

    survivor = models.ForeignKey(
        Person,
        verbose_name=_("surviving person"),
        on_delete=models.PROTECT,
        related_name="merges_received",
    )
    merged = models.ForeignKey(
        Person,
        verbose_name=_("merged person"),
        on_delete=models.PROTECT,
        related_name="merges_given",
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    journal = models.JSONField(_("what moved"), default=list, blank=True)
    is_protected = models.BooleanField(
        _("involves a protected identity"),
        default=False,
        help_text=_("The journal then holds names shown only to those cleared to see them."),
    )
    note = models.TextField(_("note"), blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MergeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("merge of people")
        verbose_name_plural = _("merges of people")
        indexes = [models.Index(fields=["-created_at"], name="mergerecord_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=F("merged")),
                name="mergerecord_two_people",
                violation_error_message=_("A person cannot be merged into themselves."),
            ),
        ]

    def __str__(self) -> str:
        return f"merge #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("cases:merge-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.survivor_id and self.survivor_id == self.merged_id:
            raise ValidationError({"merged": _("A person cannot be merged into themselves.")})

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None

    def steps(self, op: str) -> list[dict]:
        return [step for step in self.journal if step.get("op") == op]


class DuplicateDismissal(TimeStamped):
    """Two people a supervisor has said are not one: the pair is not proposed again."""

    person_low = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    person_high = models.ForeignKey(
        Person,
        verbose_name=_("other person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dismissed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("pair dismissed as not duplicates")
        verbose_name_plural = _("pairs dismissed as not duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["person_low", "person_high"],
                name="dismissal_unique_pair",
                violation_error_message=_("This pair is already dismissed."),
            ),
            models.CheckConstraint(
                condition=Q(person_low__lt=F("person_high")),
                name="dismissal_ordered_pair",
                violation_error_message=_("The first person must have the smaller number."),
            ),
        ]

    def __str__(self) -> str:
        return f"dismissal #{self.pk}"

    def clean(self):
        super().clean()
        if self.person_low_id and self.person_high_id and self.person_low_id >= self.person_high_id:
            raise ValidationError(
                {"person_high": _("The first person must have the smaller number.")}
            )

    @staticmethod
    def ordered(a: int, b: int) -> tuple[int, int]:
        return (a, b) if a < b else (b, a)
