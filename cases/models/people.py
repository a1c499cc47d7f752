"""People, organisations and what ties them together."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, StringAgg, Subquery, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases import access
from cases.dates import Precision, normalise

from .base import (
    FuzzyDatesModel,
    LiveManager,
    SoftDeletable,
    Versioned,
    deleted_index,
    fuzzy_date_constraint,
    fuzzy_date_fields,
)

ADULT_AGE = 18


class Sex(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class RoleManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Role(Versioned):
    """A role a person holds in public life (activist, journalist...); seeded by a migration."""

    class Code(models.TextChoices):
        POLITICAL_ACTIVIST = "political_activist", _("Political activist")
        HUMAN_RIGHTS_DEFENDER = "hrd", _("Human rights defender")
        JOURNALIST = "journalist", _("Journalist")
        UNION = "union", _("Union leader or member")
        LAND_COMMUNITY = "land_community", _("Land or community representative")
        COMMUNE_COUNCILLOR = "commune_councillor", _("Commune councillor")
        PARTY_OFFICIAL = "party_official", _("Party official")
        NGO_WORKER = "ngo_worker", _("NGO worker")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, choices=Code.choices, unique=True)

    objects = RoleManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return str(self.Code(self.code).label)

    def natural_key(self):
        return (self.code,)


class Organisation(SoftDeletable, FuzzyDatesModel):
    class Kind(models.TextChoices):
        PARTY = "party", _("Political party")
        UNION = "union", _("Union")
        NGO = "ngo", _("NGO")
        MEDIA = "media", _("Media outlet")
        COMMUNITY = "community", _("Community")
        GOVERNMENT = "government", _("Government body")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_khmer = models.CharField(_("name in Khmer script"), max_length=200, blank=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [deleted_index("organisation")]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:organisation-detail", args=[self.pk])


class PersonGroup(SoftDeletable, FuzzyDatesModel):
    """A documented group whose members are partly or wholly unnamed.

    "Seam Pluk and 12 others (2 women and 10 men)" is one group with Seam Pluk and twelve
    unnamed members, each a Person row with its own sex, so every count is a count of rows.
    """

    label = models.CharField(_("label"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("group of people")
        verbose_name_plural = _("groups of people")
        indexes = [deleted_index("persongroup")]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("cases:group-detail", args=[self.pk])


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the people a user may see: those in no case, or in a case they can see."""
        if not user.is_authenticated:
            return self.none()
        if access.sees_all_cases(user):
            return self
        from .cases import Case, CaseParty

        # Deleted parties and cases count too: deleting a restricted case must not reveal the
        # people who were in it (they would otherwise be "in no case", visible to everyone).
        parties = CaseParty.all_objects.filter(person=OuterRef("pk"))
        visible_cases = Case.all_objects.visible_to(user).values("pk")
        return self.filter(~Exists(parties) | Exists(parties.filter(case__in=visible_cases)))

    def named(self):
        return self.filter(is_named=True)

    def unnamed(self):
        return self.filter(is_named=False)

    def detained_on(self, day: dt.date):
        from .detentions import Detention

        return self.filter(Exists(Detention.objects.current(on=day).filter(person=OuterRef("pk"))))

    def for_list(self):
        return self.select_related("group").prefetch_related("roles")

    def for_detail(self):
        return self.select_related("group").prefetch_related("roles", "affiliations__organisation")

    def for_export(self):
        """Add ``role_codes`` ("hrd,journalist"): an export reads each person in one query."""
        codes = (
            Person.roles.through.objects.filter(person=OuterRef("pk"))
            .order_by()
            .values("person")
            .annotate(codes=StringAgg("role__code", delimiter=Value(",")))
            .values("codes")
        )
        return self.annotate(role_codes=Subquery(codes))


class Person(SoftDeletable, FuzzyDatesModel):
    """A person in the records: named, or an unnamed member of a documented group."""

    fuzzy_dates = ("birth",)
    # What the audit trail masks for whoever may not see a protected identity.
    protected_identity_fields = ("name", "name_khmer", "aliases", "contact", "notes")

    name = models.CharField(
        _("name (romanised)"),
        max_length=200,
        help_text=_("As commonly romanised, family name first (e.g. Kem Sokha)."),
    )
    name_khmer = models.CharField(_("name in Khmer script"), max_length=200, blank=True)
    aliases = models.TextField(
        _("aliases and other spellings"), blank=True, help_text=_("One per line.")
    )
    is_named = models.BooleanField(
        _("named"),
        default=True,
        help_text=_("Unticked for an unnamed member of a group, counted but not identified."),
    )
    group = models.ForeignKey(
        PersonGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    sex = models.CharField(_("sex"), max_length=7, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_on, birth_precision, birth_until = fuzzy_date_fields(_("born"))
    nationality = models.CharField(_("nationality"), max_length=80, blank=True)
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="+")
    is_protected = models.BooleanField(
        _("protected identity"),
        default=False,
        help_text=_("Show the pseudonym instead of the name to anyone not cleared to see it."),
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=100, blank=True)
    contact = models.TextField(_("contact details"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Set, with deleted_at, when this record was merged into another (cases.services.merge).
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_people",
    )

    objects = LiveManager.from_queryset(PersonQuerySet)()
    all_objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["-is_named", "name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            deleted_index("person"),
            models.Index(fields=["name"]),
            models.Index(fields=["group", "sex"]),
            models.Index(fields=["updated_at"], name="person_updated"),
        ]
        constraints = [
            fuzzy_date_constraint("birth", "person"),
            models.CheckConstraint(
                condition=Q(is_protected=False) | ~Q(pseudonym=""),
                name="person_protected_has_pseudonym",
                violation_error_message=_("A protected identity needs a pseudonym."),
            ),
            models.CheckConstraint(
                condition=Q(is_named=True) | Q(group__isnull=False),
                name="person_unnamed_in_group",
                violation_error_message=_("An unnamed person must belong to a group."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:person-detail", args=[self.pk])

    def domain_errors(self) -> dict:
        errors = {}
        if self.is_protected and not self.pseudonym:
            errors["pseudonym"] = _("A protected identity needs a pseudonym.")
        if not self.is_named and self.group_id is None:
            errors["group"] = _("An unnamed person must belong to a group.")
        return errors

    def label_for(self, user) -> str:
        """Return the name this user may see: the pseudonym when the identity is protected."""
        if self.is_protected and not access.sees_protected_identities(user):
            return self.pseudonym
        return self.name

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def birth(self):
        return self.fuzzy("birth")

    def is_minor_on(self, day: dt.date) -> bool | None:
        """Return True or False when the birth bounds decide it, None when unknown."""
        if self.birth_on is None:
            return None
        earliest, latest = normalise(self.birth_on, self.birth_precision, self.birth_until)
        adult_from = day - relativedelta(years=ADULT_AGE)
        # Born after adult_from: not yet 18 on that day.
        if earliest > adult_from:
            return True
        if latest is not None and latest <= adult_from:
            return False
        return None

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_on is None or self.birth_precision not in (Precision.DAY,):
            return None
        return relativedelta(day, self.birth_on).years


class Affiliation(SoftDeletable, FuzzyDatesModel):
    """A person's position in an organisation, e.g. Vice-President of the Candlelight Party."""

    fuzzy_dates = ("start", "end")
    label_related = ("organisation",)  # what str() reads: loaded with it for lists of labels

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="affiliations",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    start_on, start_precision, start_until = fuzzy_date_fields(_("from"))
    end_on, end_precision, end_until = fuzzy_date_fields(_("until"))

    class Meta:
        ordering = ["person", "start_on"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        indexes = [deleted_index("affiliation")]
        constraints = [
            fuzzy_date_constraint("start", "affiliation"),
            fuzzy_date_constraint("end", "affiliation"),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True)
                | Q(start_on__isnull=True)
                | Q(end_on__gte=F("start_on")),
                name="affiliation_end_after_start",
                violation_error_message=_("An affiliation cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        if self.position:
            return f"{self.position}, {self.organisation}"
        return str(self.organisation)

    def domain_errors(self) -> dict:
        if self.start_on and self.end_on and self.end_on < self.start_on:
            return {"end_on": _("An affiliation cannot end before it starts.")}
        return {}

    @property
    def start(self):
        return self.fuzzy("start")

    @property
    def end(self):
        return self.fuzzy("end")
