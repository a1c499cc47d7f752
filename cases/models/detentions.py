"""Detentions (police custody, pretrial, serving sentence...) and their extension orders."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import access

from .base import (
    FuzzyDatesModel,
    LiveManager,
    SoftDeletable,
    deleted_index,
    fuzzy_date_constraint,
    fuzzy_date_fields,
)
from .cases import Case
from .people import Person
from .places import DetentionFacility


class DetentionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the detentions of the cases the user may see (``Case.visible_to``), and
        those in no case of the people they may see (``Person.visible_to``).

        Written on the joined case rather than as ``case_id IN (SELECT ...)``: inside an
        ``OR``, PostgreSQL cannot make ``IN`` a semi-join and hashes the whole case and person
        tables on every query (100 ms to 1 s at national scale, even for one case's
        detentions). On the join it walks the detentions in the page's order and stops at the
        LIMIT. The case's conditions are Case.visible_to's, through the join (the same rows:
        tests/cases/test_detention_visibility.py compares them).
        """
        if not user.is_authenticated:
            return self.none()
        live_case = Q(case__isnull=False, case__deleted_at__isnull=True)
        if access.sees_all_cases(user):
            # Every live case, and every live person.
            return self.filter(live_case | Q(case__isnull=True, person__deleted_at__isnull=True))
        assigned = Case.monitors.through.objects.filter(case=OuterRef("case_id"), user=user)
        visible_case = live_case & (
            Q(case__confidentiality=Case.Confidentiality.NORMAL) | Q(Exists(assigned))
        )
        visible_person = Person.objects.visible_to(user).filter(pk=OuterRef("person_id"))
        return self.filter(visible_case | Q(case__isnull=True) & Q(Exists(visible_person)))

    def current(self, *, on: dt.date | None = None):
        """Return detentions under way on a day: started by then and not ended before."""
        day = on or timezone.localdate()
        return self.filter(started_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )

    def for_list(self):
        return self.select_related("person", "case", "facility")

    def for_export(self):
        """Return the rows an export reads; it selects related columns by name (values())."""
        return self.select_related("person", "case", "facility")


class Detention(SoftDeletable, FuzzyDatesModel):
    class Kind(models.TextChoices):
        POLICE_CUSTODY = "police_custody", _("Police custody")
        PRETRIAL = "pretrial", _("Pretrial detention")
        SENTENCE = "sentence", _("Serving a sentence")
        ADMINISTRATIVE = "administrative", _("Administrative or drop-off detention")
        SUPERVISION = "supervision", _("Judicial supervision / house arrest")

    class EndReason(models.TextChoices):
        BAIL = "bail", _("Released on bail")
        JUDICIAL_SUPERVISION = "judicial_supervision", _("Released under judicial supervision")
        ACQUITTED = "acquitted", _("Acquitted")
        SENTENCE_SERVED = "sentence_served", _("Sentence served")
        PARDON = "pardon", _("Pardon")
        APOLOGY = "apology", _("Released after apology letter")
        CHARGES_DROPPED = "charges_dropped", _("Charges dropped")
        NEXT_STAGE = "next_stage", _("Continued as another kind of detention")
        DIED = "died", _("Died in custody")
        TRANSFERRED = "transferred", _("Transferred")
        OTHER = "other", _("Other")

    fuzzy_dates = ("started", "ended")
    label_related = ("person",)

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="detentions"
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detentions",
    )
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    facility = models.ForeignKey(
        DetentionFacility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detentions",
    )
    started_on, started_precision, started_until = fuzzy_date_fields(_("started"), required=True)
    arrested_at = models.DateTimeField(_("arrested at"), null=True, blank=True)
    custody_arrival_at = models.DateTimeField(
        _("arrived at the police unit"),
        null=True,
        blank=True,
        help_text=_("Police custody is counted from here (CCPC art. 96), not from the arrest."),
    )
    ended_on, ended_precision, ended_until = fuzzy_date_fields(_("ended"))
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    conditions = models.TextField(_("conditions of detention"), blank=True)
    ill_treatment_alleged = models.BooleanField(_("ill-treatment alleged"), default=False)
    ill_treatment_notes = models.TextField(_("ill-treatment allegations"), blank=True)

    objects = LiveManager.from_queryset(DetentionQuerySet)()
    all_objects = DetentionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "pk"]
        verbose_name = _("detention")
        verbose_name_plural = _("detentions")
        indexes = [
            deleted_index("detention"),
            models.Index(fields=["ended_on", "started_on"]),
            models.Index(fields=["person", "started_on"]),
            models.Index(fields=["kind", "ended_on"]),
            # The reminder pass re-plans only the detentions changed since the previous pass.
            models.Index(fields=["updated_at"], name="detention_updated"),
        ]
        constraints = [
            fuzzy_date_constraint("started", "detention"),
            fuzzy_date_constraint("ended", "detention"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="detention_end_after_start",
                violation_error_message=_("A detention cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="") | Q(ended_on__isnull=False),
                name="detention_reason_needs_end",
                violation_error_message=_("An end reason needs an end date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detention-detail", args=[self.pk])

    @property
    def case_for_access(self):
        return self.case

    def label_for(self, user) -> str:
        return f"{self.get_kind_display()} — {self.person.label_for(user)}"

    @property
    def started(self):
        return self.fuzzy("started")

    @property
    def ended(self):
        return self.fuzzy("ended")

    def is_current(self, on: dt.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.started_on <= day and (self.ended_on is None or self.ended_on > day)

    def domain_errors(self) -> dict:
        errors = {}
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = _("A detention cannot end before it starts.")
        if self.end_reason and not self.ended_on:
            errors["ended_on"] = _("Give the end date for this end reason.")
        if self.ended_on and not self.end_reason:
            errors["end_reason"] = _("Say why the detention ended.")
        if (
            self.custody_arrival_at
            and self.arrested_at
            and self.custody_arrival_at < self.arrested_at
        ):
            errors["custody_arrival_at"] = _("Arrival at the police unit comes after the arrest.")
        if self.ill_treatment_notes and not self.ill_treatment_alleged:
            self.ill_treatment_alleged = True
        return errors


class DetentionExtension(SoftDeletable, FuzzyDatesModel):
    """An order extending a detention: by a judge (pretrial) or a prosecutor (police custody)."""

    detention = models.ForeignKey(
        Detention, verbose_name=_("detention"), on_delete=models.CASCADE, related_name="extensions"
    )
    ordered_on = models.DateField(_("ordered on"))
    months = models.PositiveSmallIntegerField(_("months"), default=0)
    days = models.PositiveSmallIntegerField(_("days"), default=0)
    hours = models.PositiveSmallIntegerField(_("hours"), default=0)
    ordered_by = models.CharField(_("judge or prosecutor"), max_length=200, blank=True)
    document = models.CharField(_("order reference"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["detention", "ordered_on", "pk"]
        verbose_name = _("extension order")
        verbose_name_plural = _("extension orders")
        indexes = [
            deleted_index("detentionextension"),
            models.Index(fields=["updated_at"], name="extension_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(months__gt=0) | Q(days__gt=0) | Q(hours__gt=0),
                name="extension_has_length",
                violation_error_message=_("An extension needs a length."),
            )
        ]

    def __str__(self) -> str:
        return _("Extension ordered on %(date)s") % {"date": self.ordered_on}

    def get_absolute_url(self) -> str:
        return reverse("cases:detention-detail", args=[self.detention_id]) + f"#extension-{self.pk}"

    @property
    def case_for_access(self):
        return self.detention.case

    def domain_errors(self) -> dict:
        errors = {}
        if not (self.months or self.days or self.hours):
            errors["months"] = _("An extension needs a length in months, days or hours.")
        if (
            self.detention_id
            and self.ordered_on
            and self.detention.started_on
            and self.ordered_on < self.detention.started_on
        ):
            errors["ordered_on"] = _("An extension cannot predate the detention.")
        return errors
