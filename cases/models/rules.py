"""The legal limits, as data: one row per rule, with its article, source and confidence.

Rules carry effective dates so a change of law adds a row instead of rewriting history: the rule
that applies to a detention is the one in force on the day it started.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class Measure(models.TextChoices):
    POLICE_CUSTODY = "police_custody", _("Police custody")
    PRETRIAL = "pretrial", _("Pretrial detention")
    IMMEDIATE_APPEARANCE = "immediate_appearance", _("Immediate appearance")
    APPEAL = "appeal", _("Appeal against a first-instance verdict")
    SENTENCE_REDUCTION = "sentence_reduction", _("Sentence reduction eligibility")
    PARDON = "pardon", _("Pardon eligibility")
    LIFE_REDUCTION = "life_reduction", _("Life sentence: first reduction eligibility")


class Confidence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    UNVERIFIED = "unverified", _("Unverified")


class AgeBand(models.TextChoices):
    ANY = "any", _("Any age")
    ADULT = "adult", _("Adult (18 and over)")
    MINOR = "minor", _("Minor (14 to 17)")
    CHILD = "child", _("Child under 14")


class RuleOffenceClass(models.TextChoices):
    ANY = "any", _("Any offence")
    FELONY = "felony", _("Felony")
    MISDEMEANOUR = "misdemeanour", _("Misdemeanour")
    PETTY = "petty", _("Petty offence")


class LegalRuleQuerySet(models.QuerySet):
    def in_force(self, *, on: dt.date):
        return self.filter(effective_from__lte=on).filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=on)
        )


class LegalRule(TimeStamped):
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    offence_class = models.CharField(
        _("offence class"), max_length=12, choices=RuleOffenceClass.choices, default="any"
    )
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices, default="any")
    period_months = models.PositiveSmallIntegerField(_("period (months)"), default=0)
    period_days = models.PositiveSmallIntegerField(_("period (days)"), default=0)
    period_hours = models.PositiveSmallIntegerField(_("period (hours)"), default=0)
    extension_months = models.PositiveSmallIntegerField(_("each extension (months)"), default=0)
    extension_hours = models.PositiveSmallIntegerField(_("each extension (hours)"), default=0)
    max_extensions = models.PositiveSmallIntegerField(_("extensions allowed"), default=0)
    cap_months = models.PositiveSmallIntegerField(
        _("absolute maximum (months)"), null=True, blank=True
    )
    cap_hours = models.PositiveSmallIntegerField(
        _("absolute maximum (hours)"), null=True, blank=True
    )
    cap_share_of_min_penalty = models.DecimalField(
        _("also at most this share of the minimum penalty"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
    )
    share_numerator = models.PositiveSmallIntegerField(
        _("share served: numerator"),
        null=True,
        blank=True,
        help_text=_("For eligibility rules: 1 of 3 for one third."),
    )
    share_denominator = models.PositiveSmallIntegerField(
        _("share served: denominator"), null=True, blank=True
    )
    allowed = models.BooleanField(
        _("allowed at all"),
        default=True,
        help_text=_("Untick for a measure the law forbids (e.g. pretrial detention under 14)."),
    )
    extension_condition = models.CharField(_("extension needs"), max_length=200, blank=True)
    article = models.CharField(_("article"), max_length=80)
    source = models.TextField(_("source"))
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)
    effective_from = models.DateField(_("in force from"))
    effective_until = models.DateField(_("in force until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = LegalRuleQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "offence_class", "age_band", "-effective_from"]
        verbose_name = _("legal rule")
        verbose_name_plural = _("legal rules")
        indexes = [models.Index(fields=["measure", "effective_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=F("effective_from")),
                name="legalrule_in_force_ordered",
                violation_error_message=_("A rule cannot end before it comes into force."),
            ),
            models.CheckConstraint(
                condition=Q(share_numerator__isnull=True, share_denominator__isnull=True)
                | Q(
                    share_numerator__gt=0,
                    share_denominator__gt=0,
                    share_numerator__lte=F("share_denominator"),
                ),
                name="legalrule_share_fraction",
                violation_error_message=_("A share of the sentence is between 0 and 1."),
            ),
            models.CheckConstraint(
                condition=Q(cap_share_of_min_penalty__isnull=True)
                | (Q(cap_share_of_min_penalty__gt=0) & Q(cap_share_of_min_penalty__lte=1)),
                name="legalrule_cap_share_fraction",
                violation_error_message=_("A share of the minimum penalty is between 0 and 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} · {self.get_offence_class_display()} · {self.article}"

    @property
    def has_share(self) -> bool:
        return self.share_numerator is not None and self.share_denominator is not None

    @property
    def is_unverified(self) -> bool:
        return self.confidence == Confidence.UNVERIFIED

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if (
            self.effective_until
            and self.effective_from
            and self.effective_until < self.effective_from
        ):
            errors["effective_until"] = _("A rule cannot end before it comes into force.")
        if self.has_share and not (0 < self.share_numerator <= self.share_denominator):
            errors["share_numerator"] = _("A share of the sentence is between 0 and 1.")
        if (self.share_numerator is None) != (self.share_denominator is None):
            errors["share_denominator"] = _("Give both parts of the share, or neither.")
        if self.cap_share_of_min_penalty is not None and not (
            0 < self.cap_share_of_min_penalty <= 1
        ):
            errors["cap_share_of_min_penalty"] = _(
                "A share of the minimum penalty is between 0 and 1."
            )
        period = self.period_months or self.period_days or self.period_hours
        if self.allowed and not self.has_share and not period:
            errors[NON_FIELD_ERRORS] = _("Give the length of the period.")
        if self.max_extensions and not (self.extension_months or self.extension_hours):
            errors["extension_months"] = _("Give the length of each extension.")
        if (
            self.cap_months is not None
            and self.period_months
            and self.cap_months < (self.period_months)
        ):
            errors["cap_months"] = _("The absolute maximum cannot be shorter than the period.")
        if errors:
            raise ValidationError(errors)
