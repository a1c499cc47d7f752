"""Cases, the people and organisations in them, and the charges each defendant faces."""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
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
from .people import Organisation, Person
from .places import Court


class OffenceClass(models.TextChoices):
    FELONY = "felony", _("Felony")
    MISDEMEANOUR = "misdemeanour", _("Misdemeanour")
    PETTY = "petty", _("Petty offence")
    UNKNOWN = "unknown", _("Unknown")


class Offence(SoftDeletable, FuzzyDatesModel):
    """An offence as charged: Criminal Code article when known, its class and penalty range."""

    name = models.CharField(_("offence"), max_length=200)
    article = models.CharField(
        _("article"),
        max_length=30,
        blank=True,
        help_text=_("Criminal Code article, e.g. 494 or 437 bis. Empty when not known."),
    )
    law = models.CharField(_("law"), max_length=120, default="Criminal Code (2009)")
    offence_class = models.CharField(
        _("offence class"),
        max_length=12,
        choices=OffenceClass.choices,
        default=OffenceClass.UNKNOWN,
    )
    min_penalty_months = models.PositiveIntegerField(
        _("minimum prison term (months)"), null=True, blank=True
    )
    max_penalty_months = models.PositiveIntegerField(
        _("maximum prison term (months)"), null=True, blank=True
    )
    max_penalty_note = models.CharField(_("penalty as written"), max_length=200, blank=True)

    class Meta:
        ordering = ["article", "name"]
        verbose_name = _("offence")
        verbose_name_plural = _("offences")
        indexes = [deleted_index("offence")]
        constraints = [
            models.UniqueConstraint(fields=["law", "article", "name"], name="offence_unique"),
            models.CheckConstraint(
                condition=Q(min_penalty_months__isnull=True)
                | Q(max_penalty_months__isnull=True)
                | Q(max_penalty_months__gte=models.F("min_penalty_months")),
                name="offence_penalty_range_ordered",
                violation_error_message=_("The maximum penalty cannot be below the minimum."),
            ),
        ]

    def domain_errors(self) -> dict:
        if (
            self.min_penalty_months is not None
            and self.max_penalty_months is not None
            and self.max_penalty_months < self.min_penalty_months
        ):
            return {"max_penalty_months": _("The maximum penalty cannot be below the minimum.")}
        return {}

    def __str__(self) -> str:
        if self.article:
            return _("%(name)s (art. %(article)s)") % {"name": self.name, "article": self.article}
        return self.name


_LABELS: dict[tuple, str] = {}


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """Return the label of ``value`` in the current language, translated once per process.

    A list page shows three labels on each of its fifty rows: ``get_FOO_display`` rebuilds the
    field's choices and translates them on every call, which costs more than the row itself.
    """
    key = (get_language(), choices, value)
    try:
        return _LABELS[key]
    except KeyError:
        label = str(choices(value).label) if value in choices.values else str(value)
        _LABELS[key] = label
        return label


@functools.cache
def list_annotations() -> dict:
    """The court's name and the number of defendants, as expressions built once per process:
    a list page annotates every request with them, and building their querysets cost more
    Python than PostgreSQL spends running them. ``annotate()`` resolves a copy, never these."""
    court = Court.objects.filter(pk=OuterRef("court_id")).order_by().values("name")[:1]
    defendants = (
        CaseParty.objects.filter(case=OuterRef("pk"), role=CaseParty.Role.DEFENDANT)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return {"court_name": Subquery(court), "defendant_count": Coalesce(Subquery(defendants), 0)}


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the cases a user may see: restricted ones only when assigned or cleared."""
        if not user.is_authenticated:
            return self.none()
        if access.sees_all_cases(user):
            return self
        assigned = Case.monitors.through.objects.filter(case=OuterRef("pk"), user=user)
        return self.filter(Q(confidentiality=Case.Confidentiality.NORMAL) | Exists(assigned))

    def editable_by(self, user):
        """Return the cases a user may change: all for supervisors, assigned ones for monitors."""
        if not user.is_authenticated or not user.has_perm("cases.change_case"):
            return self.none()
        if access.manages_all_cases(user):
            return self
        assigned = Case.monitors.through.objects.filter(case=OuterRef("pk"), user=user)
        return self.filter(Exists(assigned))

    def open(self):
        return self.filter(status=Case.Status.OPEN)

    def assigned_to(self, user):
        return self.filter(monitors=user)

    def with_defendant_count(self):
        return self.annotate(defendant_count=list_annotations()["defendant_count"])

    def for_list(self):
        """The rows of a list: the court's name rather than the court (a model instance a
        row costs more than the rest of it), and the number of defendants."""
        # Subqueries rather than joins: the list's capped count then reads the cases alone.
        return self.annotate(**list_annotations())

    def for_detail(self):
        return self.select_related("court").prefetch_related("monitors")

    def for_export(self):
        """Return the cases with their defendant count (the court is read through values())."""
        return self.with_defendant_count()


class Case(SoftDeletable, FuzzyDatesModel):
    class Category(models.TextChoices):
        POLITICAL_EXPRESSION = "political_expression", _("Political expression")
        LAND = "land", _("Land")
        LABOUR = "labour", _("Labour")
        MEDIA = "media", _("Media")
        TORTURE = "torture", _("Torture or ill-treatment")
        DEATH_IN_CUSTODY = "death_in_custody", _("Death in custody")
        TRAFFICKING = "trafficking", _("Trafficking")
        OTHER = "other", _("Other")

    class Stage(models.TextChoices):
        INVESTIGATION = "investigation", _("Investigation")
        TRIAL = "trial", _("Trial")
        VERDICT = "verdict", _("Verdict")
        APPEAL = "appeal", _("Appeal")
        FINAL = "final", _("Final")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Confidentiality(models.TextChoices):
        NORMAL = "normal", _("Normal")
        RESTRICTED = "restricted", _("Restricted: assigned monitors and supervisors only")

    fuzzy_dates = ("opened",)

    reference = models.CharField(
        _("reference"),
        max_length=40,
        unique=True,
        blank=True,
        help_text=_("Our own reference, unique. Left empty, one is made for you."),
    )
    title = models.CharField(_("title"), max_length=250)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    summary = models.TextField(_("summary"), blank=True)
    court = models.ForeignKey(
        Court,
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    court_case_number = models.CharField(_("court case number"), max_length=80, blank=True)
    stage = models.CharField(
        _("stage"), max_length=13, choices=Stage.choices, default=Stage.INVESTIGATION
    )
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default="open")
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=10,
        choices=Confidentiality.choices,
        default=Confidentiality.NORMAL,
    )
    opened_on, opened_precision, opened_until = fuzzy_date_fields(_("events began"))
    monitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned monitors"),
        blank=True,
        related_name="monitored_cases",
    )

    objects = LiveManager.from_queryset(CaseQuerySet)()
    all_objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "reference"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("view_restricted_case", _("Can see every restricted case")),
            ("manage_all_cases", _("Can edit every case, assigned or not")),
            ("view_protected_identity", _("Can see the names behind pseudonyms")),
            ("export_case", _("Can export lists and statistics")),
            ("export_full", _("Can export unredacted data")),
        ]
        indexes = [
            deleted_index("case"),
            models.Index(fields=["status", "stage"]),
            models.Index(fields=["category"]),
            models.Index(fields=["-opened_on", "reference"]),
            # The list's sorts (?o=...): the column, then the primary key (cases.pagination).
            models.Index(fields=["opened_on", "id"], name="case_list_opened"),
            models.Index(fields=["title", "id"], name="case_list_title"),
            models.Index(fields=["stage", "id"], name="case_list_stage"),
            models.Index(fields=["updated_at", "id"], name="case_list_updated"),
        ]
        constraints = [fuzzy_date_constraint("opened", "case")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case-detail", args=[self.pk])

    @property
    def opened(self):
        return self.fuzzy("opened")

    @property
    def is_restricted(self) -> bool:
        return self.confidentiality == self.Confidentiality.RESTRICTED

    # The labels the list shows on every row (``get_FOO_display`` without its cost).
    @property
    def category_label(self) -> str:
        return choice_label(Case.Category, self.category)

    @property
    def stage_label(self) -> str:
        return choice_label(Case.Stage, self.stage)

    @property
    def status_label(self) -> str:
        return choice_label(Case.Status, self.status)

    def save(self, *args, **kwargs):
        if self.reference:
            return super().save(*args, **kwargs)
        # Two people may open a case at the same moment: retry with the next free number.
        for attempt in range(5):
            self.reference = self.next_reference()
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                if attempt == 4 or not Case.all_objects.filter(reference=self.reference).exists():
                    raise
                self.reference = ""
        return None

    @staticmethod
    def next_reference(today: dt.date | None = None) -> str:
        year = (today or timezone.localdate()).year
        prefix = f"CASE-{year}-"
        # Deleted cases keep their references: a reference is never given twice.
        taken = Case.all_objects.filter(reference__startswith=prefix).count()
        number = taken + 1
        while Case.all_objects.filter(reference=f"{prefix}{number:04d}").exists():
            number += 1
        return f"{prefix}{number:04d}"


class CasePartyQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))

    def defendants(self):
        return self.filter(role=CaseParty.Role.DEFENDANT)


class CaseParty(SoftDeletable, FuzzyDatesModel):
    """A person or organisation in a case with a role: defendant, victim, complainant..."""

    label_related = ("person", "organisation")  # what label_for() reads

    class Role(models.TextChoices):
        DEFENDANT = "defendant", _("Defendant")
        VICTIM = "victim", _("Victim")
        COMPLAINANT = "complainant", _("Complainant")
        CIVIL_PARTY = "civil_party", _("Civil party")
        WITNESS = "witness", _("Witness")
        LAWYER = "lawyer", _("Lawyer")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_parties",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_parties",
    )
    role = models.CharField(_("role in the case"), max_length=12, choices=Role.choices)
    notes = models.TextField(_("notes"), blank=True)

    objects = LiveManager.from_queryset(CasePartyQuerySet)()
    all_objects = CasePartyQuerySet.as_manager()

    class Meta:
        ordering = ["case", "role", "person__name", "pk"]
        verbose_name = _("party to a case")
        verbose_name_plural = _("parties to cases")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(organisation__isnull=True))
                | (Q(person__isnull=True) & Q(organisation__isnull=False)),
                name="caseparty_person_xor_organisation",
                violation_error_message=_("Choose a person or an organisation, not both."),
            ),
            models.UniqueConstraint(
                fields=["case", "person", "role"],
                condition=Q(person__isnull=False),
                name="caseparty_unique_person_role",
                violation_error_message=_("This person already has this role in the case."),
            ),
            models.UniqueConstraint(
                fields=["case", "organisation", "role"],
                condition=Q(organisation__isnull=False),
                name="caseparty_unique_organisation_role",
                violation_error_message=_("This organisation already has this role in the case."),
            ),
        ]
        indexes = [deleted_index("caseparty"), models.Index(fields=["person", "role"])]

    def __str__(self) -> str:
        return f"{self.party} ({self.get_role_display()})"

    @property
    def party(self):
        return self.person if self.person_id else self.organisation

    @property
    def case_for_access(self):
        return self.case

    def get_absolute_url(self) -> str:
        return reverse("cases:case-detail", args=[self.case_id]) + f"#party-{self.pk}"

    def label_for(self, user) -> str:
        party = self.person.label_for(user) if self.person_id else str(self.organisation)
        return f"{party} ({self.get_role_display()})"


class ChargeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(party__case__in=Case.objects.visible_to(user).values("pk"))


class Charge(SoftDeletable, FuzzyDatesModel):
    """One offence charged against one defendant in a case."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONVICTED = "convicted", _("Convicted")
        ACQUITTED = "acquitted", _("Acquitted")
        DROPPED = "dropped", _("Dropped")
        REQUALIFIED = "requalified", _("Requalified")

    fuzzy_dates = ("charged",)
    label_related = ("offence", "party__person", "party__organisation")

    party = models.ForeignKey(
        CaseParty,
        verbose_name=_("defendant"),
        on_delete=models.CASCADE,
        related_name="charges",
        limit_choices_to={"role": CaseParty.Role.DEFENDANT},
    )
    offence = models.ForeignKey(
        Offence, verbose_name=_("offence"), on_delete=models.PROTECT, related_name="charges"
    )
    charged_on, charged_precision, charged_until = fuzzy_date_fields(_("charged on"))
    outcome = models.CharField(
        _("outcome"), max_length=11, choices=Outcome.choices, default=Outcome.PENDING
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = LiveManager.from_queryset(ChargeQuerySet)()
    all_objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["party", "offence__article", "pk"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        indexes = [
            deleted_index("charge"),
            models.Index(fields=["updated_at"], name="charge_updated"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["party", "offence"], name="charge_unique_offence"),
            fuzzy_date_constraint("charged", "charge"),
        ]

    def __str__(self) -> str:
        return f"{self.offence} — {self.party.party}"

    @property
    def charged(self):
        return self.fuzzy("charged")

    @property
    def case_for_access(self):
        return self.party.case

    def get_absolute_url(self) -> str:
        return reverse("cases:case-detail", args=[self.party.case_id]) + f"#party-{self.party_id}"

    def label_for(self, user) -> str:
        return f"{self.offence} — {self.party.label_for(user)}"

    def domain_errors(self) -> dict:
        if self.party_id and self.party.role != CaseParty.Role.DEFENDANT:
            return {"party": _("Only a defendant can be charged.")}
        return {}
