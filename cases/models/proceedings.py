"""Hearings and trial outcomes (verdicts, sentences, appeals)."""

from __future__ import annotations

import datetime as dt

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
from .cases import Case, CaseParty
from .places import Court


class HearingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))

    def scheduled(self):
        return self.filter(status=Hearing.Status.SCHEDULED)

    def upcoming(self, *, now: dt.datetime | None = None):
        return self.scheduled().filter(scheduled_at__gte=now or timezone.now())

    def without_monitor(self):
        return self.filter(monitor__isnull=True)

    def attended_by(self, user):
        return self.filter(monitor=user)

    def for_list(self):
        return self.select_related("case", "court", "monitor")

    def for_export(self):
        """Return the rows an export reads; it selects related columns by name (values())."""
        return self.select_related("case", "court", "monitor")


class Hearing(SoftDeletable, FuzzyDatesModel):
    class Kind(models.TextChoices):
        INVESTIGATION = "investigation", _("Investigation")
        TRIAL = "trial", _("Trial")
        VERDICT = "verdict", _("Verdict")
        APPEAL = "appeal", _("Appeal")
        DETENTION_REVIEW = "detention_review", _("Bail or detention review")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        ADJOURNED = "adjourned", _("Adjourned")
        CANCELLED = "cancelled", _("Cancelled")

    label_related = ("case",)  # what str() reads

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="hearings"
    )
    court = models.ForeignKey(
        Court,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hearings",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TRIAL)
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.SCHEDULED
    )
    scheduled_at = models.DateTimeField(_("scheduled for"))
    time_known = models.BooleanField(
        _("time known"), default=True, help_text=_("Untick when only the day is known.")
    )
    held_at = models.DateTimeField(_("actually held at"), null=True, blank=True)
    monitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("monitor attending"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hearings_attended",
    )
    outcome = models.TextField(_("outcome notes"), blank=True)
    next_hearing_at = models.DateTimeField(_("next hearing"), null=True, blank=True)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("adjourned from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_hearing",
    )

    objects = LiveManager.from_queryset(HearingQuerySet)()
    all_objects = HearingQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "pk"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        indexes = [
            deleted_index("hearing"),
            models.Index(fields=["status", "scheduled_at"]),
            models.Index(fields=["monitor", "scheduled_at"]),
            models.Index(fields=["case", "scheduled_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_hearing_at__isnull=True)
                | Q(next_hearing_at__gt=models.F("scheduled_at")),
                name="hearing_next_after_this",
                violation_error_message=_("The next hearing must come after this one."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.case.reference}"

    def get_absolute_url(self) -> str:
        return reverse("cases:hearing-detail", args=[self.pk])

    @property
    def case_for_access(self):
        return self.case

    def domain_errors(self) -> dict:
        errors = {}
        if self.status == self.Status.ADJOURNED and not self.next_hearing_at and not self.outcome:
            errors["outcome"] = _("Say why the hearing was adjourned, or give the next date.")
        if self.next_hearing_at and self.scheduled_at and self.next_hearing_at <= self.scheduled_at:
            errors["next_hearing_at"] = _("The next hearing must come after this one.")
        if self.status == self.Status.SCHEDULED and self.held_at:
            errors["status"] = _("A hearing with an actual time was held or adjourned.")
        return errors


class Instance(models.TextChoices):
    FIRST = "first", _("First instance")
    APPEAL = "appeal", _("Appeal")
    SUPREME = "supreme", _("Supreme Court")


class Currency(models.TextChoices):
    KHR = "KHR", _("Riel (KHR)")
    USD = "USD", _("US dollar (USD)")


class TrialOutcomeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(party__case__in=Case.objects.visible_to(user).values("pk"))

    def for_list(self):
        return self.select_related("party__case", "party__person", "court")


class TrialOutcome(SoftDeletable, FuzzyDatesModel):
    """The verdict and sentence for one defendant at one instance, and any appeal of it."""

    class Verdict(models.TextChoices):
        CONVICTED = "convicted", _("Convicted")
        ACQUITTED = "acquitted", _("Acquitted")
        DISMISSED = "dismissed", _("Charges dismissed")
        UPHELD = "upheld", _("Upheld on appeal")
        OVERTURNED = "overturned", _("Overturned on appeal")
        AMENDED = "amended", _("Amended on appeal")

    class AppealedBy(models.TextChoices):
        DEFENDANT = "defendant", _("Defendant")
        PROSECUTOR = "prosecutor", _("Prosecutor")
        CIVIL_PARTY = "civil_party", _("Civil party")
        UNKNOWN = "unknown", _("Unknown")

    fuzzy_dates = ("verdict", "appeal_filed")
    label_related = ("party__person", "party__organisation")

    party = models.ForeignKey(
        CaseParty,
        verbose_name=_("defendant"),
        on_delete=models.CASCADE,
        related_name="outcomes",
        limit_choices_to={"role": CaseParty.Role.DEFENDANT},
    )
    instance = models.CharField(
        _("instance"), max_length=7, choices=Instance.choices, default=Instance.FIRST
    )
    court = models.ForeignKey(
        Court,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
    )
    verdict_on, verdict_precision, verdict_until = fuzzy_date_fields(_("verdict date"))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    in_absentia = models.BooleanField(_("in absentia"), default=False)
    sentence_months = models.PositiveIntegerField(
        _("prison sentence (months)"),
        null=True,
        blank=True,
        help_text=_("Total length in months: two and a half years is 30."),
    )
    suspended_months = models.PositiveIntegerField(
        _("of which suspended (months)"), null=True, blank=True
    )
    life_sentence = models.BooleanField(_("life sentence"), default=False)
    supervision_months = models.PositiveIntegerField(
        _("judicial supervision (months)"), null=True, blank=True
    )
    fine_amount = models.DecimalField(
        _("fine"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    fine_currency = models.CharField(
        _("fine currency"), max_length=3, choices=Currency.choices, blank=True
    )
    damages_amount = models.DecimalField(
        _("damages"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    damages_currency = models.CharField(
        _("damages currency"), max_length=3, choices=Currency.choices, blank=True
    )
    damages_to = models.CharField(_("damages payable to"), max_length=200, blank=True)
    other_penalties = models.TextField(_("other penalties"), blank=True)
    appeal_filed_on, appeal_filed_precision, appeal_filed_until = fuzzy_date_fields(
        _("appeal filed on")
    )
    appealed_by = models.CharField(
        _("appeal filed by"), max_length=11, choices=AppealedBy.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = LiveManager.from_queryset(TrialOutcomeQuerySet)()
    all_objects = TrialOutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["party", "verdict_on", "pk"]
        verbose_name = _("trial outcome")
        verbose_name_plural = _("trial outcomes")
        indexes = [
            deleted_index("trialoutcome"),
            models.Index(fields=["updated_at"], name="outcome_updated"),
            # The reminder pass's appeal window (a sequential scan of all verdicts without it).
            models.Index(
                fields=["verdict_on"],
                name="outcome_appeal_window",
                condition=Q(instance__in=["first", "appeal"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "instance"], name="trialoutcome_one_per_instance"
            ),
            fuzzy_date_constraint("verdict", "trialoutcome"),
            fuzzy_date_constraint("appeal_filed", "trialoutcome"),
            models.CheckConstraint(
                condition=Q(suspended_months__isnull=True)
                | Q(
                    sentence_months__isnull=False, suspended_months__lte=models.F("sentence_months")
                ),
                name="trialoutcome_suspended_within_sentence",
                violation_error_message=_("The suspended part cannot exceed the sentence."),
            ),
            models.CheckConstraint(
                condition=Q(appeal_filed_on__isnull=True)
                | Q(verdict_on__isnull=True)
                | Q(appeal_filed_on__gte=models.F("verdict_on")),
                name="trialoutcome_appeal_after_verdict",
                violation_error_message=_("An appeal cannot be filed before the verdict."),
            ),
            models.CheckConstraint(
                condition=Q(fine_amount__isnull=True) | ~Q(fine_currency=""),
                name="trialoutcome_fine_has_currency",
                violation_error_message=_("Give the currency of the fine."),
            ),
            models.CheckConstraint(
                condition=Q(damages_amount__isnull=True) | ~Q(damages_currency=""),
                name="trialoutcome_damages_has_currency",
                violation_error_message=_("Give the currency of the damages."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} ({self.get_instance_display()}) — {self.party.party}"

    @property
    def verdict_date(self):
        return self.fuzzy("verdict")

    @property
    def case_for_access(self):
        return self.party.case

    def get_absolute_url(self) -> str:
        return reverse("cases:outcome-detail", args=[self.pk])

    @property
    def appeal_filed(self):
        return self.fuzzy("appeal_filed")

    def label_for(self, user) -> str:
        return f"{self.get_verdict_display()} ({self.get_instance_display()}) — " + (
            self.party.label_for(user)
        )

    @property
    def custodial_months(self) -> int | None:
        if self.sentence_months is None:
            return None
        return self.sentence_months - (self.suspended_months or 0)

    def domain_errors(self) -> dict:
        errors = {}
        if self.party_id and self.party.role != CaseParty.Role.DEFENDANT:
            errors["party"] = _("Only a defendant has a verdict.")
        if self.suspended_months is not None and (
            self.sentence_months is None or self.suspended_months > self.sentence_months
        ):
            errors["suspended_months"] = _("The suspended part cannot exceed the sentence.")
        if self.fine_amount is not None and not self.fine_currency:
            errors["fine_currency"] = _("Give the currency of the fine.")
        if self.damages_amount is not None and not self.damages_currency:
            errors["damages_currency"] = _("Give the currency of the damages.")
        if self.appeal_filed_on and self.verdict_on and self.appeal_filed_on < self.verdict_on:
            errors["appeal_filed_on"] = _("An appeal cannot be filed before the verdict.")
        if self.appealed_by and not self.appeal_filed_on:
            errors["appeal_filed_on"] = _("Give the date the appeal was filed.")
        if self.verdict in (self.Verdict.ACQUITTED, self.Verdict.DISMISSED) and (
            self.sentence_months or self.life_sentence
        ):
            errors["sentence_months"] = _("An acquittal carries no sentence.")
        return errors


def format_months(months: int | None) -> str:
    """Return "2 years 6 months" for 30."""
    from django.utils.translation import ngettext

    if months is None:
        return ""
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(ngettext("%(n)d year", "%(n)d years", years) % {"n": years})
    if rest or not years:
        parts.append(ngettext("%(n)d month", "%(n)d months", rest) % {"n": rest})
    return " ".join(parts)
