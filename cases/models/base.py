"""Building blocks shared by every domain model."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.dates import FuzzyDate, Precision, fuzzy_date_error, normalise


def fuzzy_date_fields(verbose_name, *, required: bool = False):
    """Return the three columns of a fuzzy date: earliest day, precision, latest day."""
    return (
        models.DateField(
            verbose_name,
            null=not required,
            blank=not required,
            help_text=_("For a month or a year, any day in it; the precision says which."),
        ),
        models.CharField(
            _("precision"), max_length=5, choices=Precision.choices, default=Precision.DAY
        ),
        models.DateField(
            _("until"),
            null=True,
            blank=True,
            help_text=_("Only for a range: the last possible day."),
        ),
    )


def fuzzy_date_constraint(prefix: str, model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{prefix}_until__isnull": True})
        | Q(**{f"{prefix}_until__gte": F(f"{prefix}_on")}),
        name=f"{model}_{prefix}_range_ordered",
        violation_error_message=_("The last possible day cannot be before the first."),
    )


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Sourced(models.Model):
    """A record that says where its facts come from, e.g. "UN report A/HRC/54/?? para 30"."""

    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where this comes from: document and paragraph, interview, court file."),
    )

    class Meta:
        abstract = True


class FuzzyDatesModel(TimeStamped, Sourced):
    """Normalises and validates the fuzzy dates named in ``fuzzy_dates``."""

    fuzzy_dates: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.normalise_fuzzy_dates()
        super().save(*args, **kwargs)

    def fuzzy(self, prefix: str) -> FuzzyDate | None:
        return FuzzyDate.of(self, prefix)

    def normalise_fuzzy_dates(self) -> None:
        for prefix in self.fuzzy_dates:
            on, until = normalise(
                getattr(self, f"{prefix}_on"),
                getattr(self, f"{prefix}_precision"),
                getattr(self, f"{prefix}_until"),
            )
            setattr(self, f"{prefix}_on", on)
            setattr(self, f"{prefix}_until", until)

    def clean(self):
        """Normalise the fuzzy dates, then report every problem at once, field by field."""
        super().clean()
        self.normalise_fuzzy_dates()
        errors: dict[str, list] = {}
        for prefix in self.fuzzy_dates:
            message = fuzzy_date_error(
                getattr(self, f"{prefix}_on"),
                getattr(self, f"{prefix}_precision"),
                getattr(self, f"{prefix}_until"),
            )
            if message:
                errors.setdefault(f"{prefix}_until", []).append(message)
        for field, message in self.domain_errors().items():
            errors.setdefault(field, []).append(message)
        if errors:
            raise ValidationError(errors)

    def domain_errors(self) -> dict:
        """Return ``{field: message}`` for the rules of this model; override, don't raise.

        Use NON_FIELD_ERRORS as the key for a rule that concerns no single field.
        """
        return {}
