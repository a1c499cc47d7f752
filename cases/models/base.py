"""Building blocks shared by every domain model."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router, transaction
from django.db.models import F, Q
from django.utils.text import capfirst, get_text_list
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


# Columns that change on every save and say nothing about the record itself.
BOOKKEEPING_FIELDS = frozenset({"created_at", "updated_at", "version"})


class EditConflict(Exception):
    """Raised when a record is saved from a version someone else has changed since."""

    def __init__(self, record: models.Model, *, stored_version: int, based_on: int):
        self.record = record
        self.stored_version = stored_version
        self.based_on = based_on
        super().__init__(
            f"{record._meta.label} {record.pk} is at version {stored_version}, "
            f"the edit was based on version {based_on}"
        )


class Versioned(models.Model):
    """Optimistic locking: every change bumps ``version``; saving from an older one is refused.

    A form carries the version it was opened at (``cases.forms.VersionedModelForm``); a service
    or the shell that saves an instance loaded before someone else's change is refused the same
    way. Saving without a change keeps the version, so it never makes another edit stale.
    """

    # db_default too: rows written by data migrations (historical models) start at 1 as well.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """Save, refusing a stale version; bump the version when something changed."""
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        conflict = None
        # One transaction for the row and its audit event (written by signals during the save).
        with transaction.atomic(using=using, savepoint=False):
            if not self._state.adding and self.pk is not None and not kwargs.get("force_insert"):
                # No ordering: Meta.ordering may join nullable relations, which FOR UPDATE
                # refuses on PostgreSQL.
                rows = type(self)._base_manager.using(using).select_for_update()
                stored = rows.filter(pk=self.pk).order_by().first()
                if stored is not None and stored.version != self.version:
                    conflict = EditConflict(
                        self, stored_version=stored.version, based_on=self.version
                    )
                elif stored is not None:
                    self._take_version(stored, kwargs)
            if conflict is None:
                super().save(*args, **kwargs)
        if conflict is not None:
            # Raised outside the block: nothing was written, the caller's transaction is intact.
            raise conflict

    def _take_version(self, stored: Versioned, save_kwargs: dict) -> None:
        # The audit trail reads the stored row from here instead of loading it again.
        self._stored_row = stored
        if self.differs_from(stored):
            self.version = stored.version + 1
            update_fields = save_kwargs.get("update_fields")
            if update_fields is not None:
                save_kwargs["update_fields"] = {*update_fields, "version"}

    def differs_from(self, other: models.Model) -> bool:
        """Return True when a field other than the bookkeeping columns differs."""
        return any(
            getattr(self, field.attname) != getattr(other, field.attname)
            for field in self._meta.concrete_fields
            if field.name not in BOOKKEEPING_FIELDS
        )


class TimeStamped(Versioned):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class LiveManager(models.Manager):
    """Hide soft-deleted rows: the default manager of every soft-deletable model."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


def deleted_index(model: str) -> models.Index:
    """Return the partial index of deleted rows, newest first (the "Deleted records" page)."""
    return models.Index(
        fields=["-deleted_at"], condition=Q(deleted_at__isnull=False), name=f"{model}_deleted"
    )


class SoftDeletable(models.Model):
    """A record that users delete from the screens: it is marked deleted, never removed.

    ``objects`` (the default manager, so also reverse relations, form choices and the admin)
    hides deleted rows; ``all_objects`` sees them. Forward relations use the base manager, so a
    live record still reaches a deleted one it points at. Deleting and restoring, with what hangs
    off the record, is ``cases.services.records``. Unique values stay taken by deleted rows (a
    reference is never reused, a restore never collides): validation says so and points at the
    deleted row.
    """

    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (managers of the abstract base, fields above)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def validate_unique(self, exclude=None):
        """Check uniqueness against live rows (Django) and deleted ones (they keep their values)."""
        errors: dict = {}
        try:
            super().validate_unique(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        fields = [
            ((field.name,), None)
            for field in self._meta.local_fields
            if field.unique and not field.primary_key
        ]
        self._add_deleted_duplicates(errors, fields, exclude)
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        errors: dict = {}
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        constraints = [
            (tuple(constraint.fields), constraint.condition)
            for constraint in self._meta.constraints
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields
        ]
        self._add_deleted_duplicates(errors, constraints, exclude)
        if errors:
            raise ValidationError(errors)

    def _add_deleted_duplicates(self, errors: dict, checks, exclude) -> None:
        """Add an error for each unique check that a deleted row of this model already holds."""
        exclude = set(exclude or ())
        deleted = type(self).all_objects.filter(deleted_at__isnull=False)
        if not self._state.adding and self.pk is not None:
            deleted = deleted.exclude(pk=self.pk)
        for names, condition in checks:
            if exclude & set(names):
                continue
            lookup = {}
            for name in names:
                field = self._meta.get_field(name)
                value = getattr(self, field.attname)
                if value in (None, ""):
                    break
                lookup[field.attname] = value
            else:
                rows = deleted.filter(condition) if condition is not None else deleted
                if rows.filter(**lookup).exists():
                    key = names[0] if len(names) == 1 else NON_FIELD_ERRORS
                    errors.setdefault(key, []).append(self._deleted_duplicate_error(names))

    def _deleted_duplicate_error(self, names: tuple[str, ...]) -> ValidationError:
        labels = [str(capfirst(self._meta.get_field(name).verbose_name)) for name in names]
        return ValidationError(
            _(
                "A deleted %(model)s already has this %(fields)s. A supervisor can restore it "
                "from “Deleted records” instead."
            ),
            code="unique_deleted",
            params={
                "model": self._meta.verbose_name,
                "fields": get_text_list([label.lower() for label in labels], _("and")),
            },
        )


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
