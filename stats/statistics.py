"""Statistics for a period: people arrested, detained, charged, convicted, held now, by sex.

Everything is counted in the database with conditional aggregation, from querysets that start
at ``visible_to(user)``: a user counts only what they may see, and only numbers leave this
module, never a name. Each table is one query (the clocks behind "beyond a legal limit" a few
more), whatever the number of rows.

Counting rules (README "Statistics"; the page shows them):

- The period runs from ``start`` to ``end``, both days included.
- A dated event is in the period when its earliest possible day is. A fuzzy date is stored as
  its earliest and latest possible days and the earliest is its sort key, so "March 2023"
  counts in a period holding 1 March 2023 and "between 5 August and 10 December 2022" in the
  one holding 5 August. Each event thus counts in exactly one of a run of adjoining periods:
  monthly figures add up to the year's.
- An event without a date is in no period; people with an undated charge or conviction are
  counted beside the figures, so the gap shows.
- "Now" is the period's last day, or today when the period ends later (``Period.as_of``):
  pretrial detention, detention beyond a legal limit, facility occupancy and minors are
  counted on that day.
- A person counts once in a row however many events they have. A person in two cases counts
  under each case's category, province and court, and a person with two roles under each role,
  so those rows may add up to more than the total.
- Minors: people whose earliest possible birth day makes them under 18 on the "now" day.
  People without a recorded birth date are never counted as minors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.clocks import detention_clocks
from cases.models import Case, Charge, Detention, Province, Role, TrialOutcome

from . import activity
from .period import CUSTODIAL_KINDS, DEFAULT_END, DEFAULT_START, Period, custodial
from .tables import PEOPLE_COLUMNS, PEOPLE_KEYS, SEX_KEYS, Column, Row, Table, people_counts

__all__ = ["DEFAULT_END", "DEFAULT_START", "Period", "Statistics", "Table"]

# Measures: what a row of people counts ------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    help: str
    person: str  # path from an event row to its person
    case: str  # path from an event row to its case


PERSON_MEASURES = (
    Measure(
        "arrested",
        gettext_lazy("Arrested"),
        gettext_lazy(
            "People whose first detention in a case (police custody, pretrial detention, prison "
            "or administrative detention) began in the period."
        ),
        "person",
        "case",
    ),
    Measure(
        "detained",
        gettext_lazy("Detained"),
        gettext_lazy(
            "People held in police custody, pretrial detention, prison or administrative "
            "detention at any time in the period (judicial supervision is not detention)."
        ),
        "person",
        "case",
    ),
    Measure(
        "charged",
        gettext_lazy("Charged"),
        gettext_lazy("People charged with an offence in the period."),
        "party__person",
        "party__case",
    ),
    Measure(
        "convicted",
        gettext_lazy("Convicted"),
        gettext_lazy(
            "People convicted in the period, at any instance. An appeal decision upholding or "
            "amending a conviction is not a new conviction."
        ),
        "party__person",
        "party__case",
    ),
    Measure(
        "pretrial_now",
        gettext_lazy("In pretrial detention"),
        gettext_lazy("People in pretrial detention on the “now” day."),
        "person",
        "case",
    ),
    Measure(
        "beyond_limits",
        gettext_lazy("Detained beyond a legal limit"),
        gettext_lazy(
            "People detained on the “now” day whose legal clock is past a limit: detention not "
            "allowed, past its authorised end or legal maximum, or past the expected release "
            "(as the legal-clock dashboard computes it)."
        ),
        "person",
        "case",
    ),
)
MEASURES = {measure.key: measure for measure in PERSON_MEASURES}
MEASURE_CHOICES = [(measure.key, measure.label) for measure in PERSON_MEASURES]
DEFAULT_MEASURE = "detained"


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    heading: str
    none_label: str
    note: str = ""


DIMENSIONS = (
    Dimension(
        "role",
        gettext_lazy("By role"),
        gettext_lazy("Role"),
        gettext_lazy("No role recorded"),
        gettext_lazy("A person with several roles counts under each of them."),
    ),
    Dimension(
        "province",
        gettext_lazy("By province"),
        gettext_lazy("Province"),
        gettext_lazy("Not recorded"),
        gettext_lazy(
            "The province of the case's court. A person in cases in two provinces counts in each."
        ),
    ),
    Dimension(
        "category",
        gettext_lazy("By case category"),
        gettext_lazy("Case category"),
        gettext_lazy("Not linked to a case"),
        gettext_lazy("A person in cases of two categories counts in each."),
    ),
    Dimension(
        "court",
        gettext_lazy("By court"),
        gettext_lazy("Court"),
        gettext_lazy("Court not recorded"),
        gettext_lazy("The case's court. A person in cases before two courts counts in each."),
    ),
)
DIMENSION_KEYS = tuple(dimension.key for dimension in DIMENSIONS)

SENTENCE_BANDS = (
    ("life", gettext_lazy("Life imprisonment")),
    ("ten_plus", gettext_lazy("10 years or more")),
    ("five_ten", gettext_lazy("5 to under 10 years")),
    ("two_five", gettext_lazy("2 to under 5 years")),
    ("one_two", gettext_lazy("1 to under 2 years")),
    ("under_one", gettext_lazy("Under 1 year")),
    ("suspended", gettext_lazy("Prison term suspended in full")),
    ("supervision", gettext_lazy("Judicial supervision, no prison term")),
    ("none", gettext_lazy("No prison term recorded")),
)

# The tables a user may download, in the order of the page.
TABLE_KEYS = (
    "summary",
    *DIMENSION_KEYS,
    "sentences",
    "hearings-court",
    "hearings-category",
    "followups",
    "occupancy",
)


class Statistics:
    """The tables of the statistics page for one user and one period."""

    def __init__(self, *, user, period: Period):
        self.user = user
        self.period = period

    # The events behind each measure -------------------------------------------------------

    def scope(self, key: str) -> tuple[QuerySet, Q | None, Q | None]:
        """Return a measure's rows, the condition "in the period" when the rows also hold
        undated events, and the condition "undated" (None where every event has a date)."""
        period = self.period
        if key == "arrested":
            earlier = Detention.objects.filter(
                person=OuterRef("person"),
                case=OuterRef("case"),
                kind__in=CUSTODIAL_KINDS,
                started_on__lt=OuterRef("started_on"),
            )
            rows = custodial(self.user).filter(period.holds("started_on")).filter(~Exists(earlier))
            return rows, None, None
        if key == "detained":
            rows = custodial(self.user).filter(started_on__lte=period.end)
            return rows.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start)), None, None
        if key == "charged":
            rows = Charge.objects.visible_to(self.user)
            return rows, period.holds("charged_on"), Q(charged_on__isnull=True)
        if key == "convicted":
            rows = TrialOutcome.objects.visible_to(self.user).filter(
                verdict=TrialOutcome.Verdict.CONVICTED
            )
            return rows, period.holds("verdict_on"), Q(verdict_on__isnull=True)
        if key == "pretrial_now":
            rows = Detention.objects.visible_to(self.user).filter(kind=Detention.Kind.PRETRIAL)
            return rows.current(on=period.as_of), None, None
        if key == "beyond_limits":
            return Detention.objects.filter(pk__in=self.beyond_limit_ids), None, None
        raise KeyError(key)

    def events(self, key: str) -> QuerySet:
        """Return the rows (detentions, charges, verdicts) that put people in a measure."""
        rows, within, _undated = self.scope(key)
        return rows.filter(within) if within is not None else rows

    @cached_property
    def clocks(self) -> dict:
        """Return the legal clock of every visible detention under way on the "now" day."""
        current = (
            custodial(self.user)
            .current(on=self.period.as_of)
            .select_related("person")
            .prefetch_related("extensions")
        )
        return detention_clocks(current, today=self.period.as_of)

    @cached_property
    def beyond_limit_ids(self) -> list[int]:
        return sorted(pk for pk, clock in self.clocks.items() if clock.is_overdue)

    # People -------------------------------------------------------------------------------

    def measure_label(self, measure: Measure) -> str:
        if measure.key in ("pretrial_now", "beyond_limits"):
            return _("%(measure)s on %(date)s") % {
                "measure": measure.label,
                "date": date_format(self.period.as_of, "DATE_FORMAT"),
            }
        return str(measure.label)

    def summary(self) -> Table:
        """Return one row per measure: the people counted, by sex, and minors."""
        rows = []
        for measure in PERSON_MEASURES:
            scope, within, undated = self.scope(measure.key)
            counts = people_counts(
                measure.person, minor_cutoff=self.period.minor_cutoff, within=within
            )
            if undated is not None:
                scope = scope.filter(within | undated)
                counts["undated"] = Count(measure.person, distinct=True, filter=undated)
            found = scope.aggregate(**counts)
            values = (*(found[key] for key in PEOPLE_KEYS), found.get("undated"))
            rows.append(Row(self.measure_label(measure), values, str(measure.help)))
        return Table(
            key="summary",
            title=_("People, by sex"),
            columns=(
                Column("measure", _("People"), numeric=False),
                *PEOPLE_COLUMNS,
                Column("undated", _("With an undated record (not counted)")),
            ),
            rows=tuple(rows),
            note=_(
                "The last column counts the people with a charge or a conviction recorded "
                "without a date: such a record is in no period."
            ),
            stack=SEX_KEYS,
            chart_label=_("people"),
        )

    def breakdown(self, measure_key: str, dimension_key: str) -> Table:
        """Return a measure's people by role, province, case category or court."""
        measure = MEASURES[measure_key]
        dimension = next(d for d in DIMENSIONS if d.key == dimension_key)
        counts = people_counts(measure.person, minor_cutoff=self.period.minor_cutoff)
        events = self.events(measure_key).order_by()
        if dimension.key == "court":
            court = f"{measure.case}__court"
            found = events.values(court, f"{court}__name").annotate(**counts)
            ordered = sorted(found, key=lambda r: (r[court] is None, r[f"{court}__name"] or ""))
            rows = [(r[f"{court}__name"] or dimension.none_label, r) for r in ordered]
        else:
            path, labels = self._dimension_path(measure, dimension.key)
            # A blank province is no province: one row for both.
            grouped = events.annotate(bucket=NullIf(F(path), Value(""))).values("bucket")
            found = {r["bucket"]: r for r in grouped.annotate(**counts)}
            rows = [(label, found[value]) for value, label in labels if value in found]
            if None in found:
                rows.append((dimension.none_label, found[None]))
        return Table(
            key=dimension.key,
            title=_("%(measure)s, %(by)s")
            % {
                "measure": self.measure_label(measure),
                "by": str(dimension.title).lower(),
            },
            columns=(Column(dimension.key, dimension.heading, numeric=False), *PEOPLE_COLUMNS),
            rows=tuple(Row(str(label), tuple(r[key] for key in PEOPLE_KEYS)) for label, r in rows),
            note=str(dimension.note),
            stack=SEX_KEYS,
            chart_label=_("people"),
            extra={"measure": measure_key},
        )

    @staticmethod
    def _dimension_path(measure: Measure, key: str) -> tuple[str, list]:
        if key == "role":
            return f"{measure.person}__roles__code", Role.Code.choices
        if key == "province":
            return f"{measure.case}__court__province", Province.choices
        return f"{measure.case}__category", Case.Category.choices

    def sentences(self) -> Table:
        """Return the convictions of the period by the prison term to be served, by sex."""
        custodial = F("sentence_months") - Coalesce("suspended_months", 0)
        band = models.Case(
            models.When(life_sentence=True, then=Value("life")),
            models.When(custodial__gte=120, then=Value("ten_plus")),
            models.When(custodial__gte=60, then=Value("five_ten")),
            models.When(custodial__gte=24, then=Value("two_five")),
            models.When(custodial__gte=12, then=Value("one_two")),
            models.When(custodial__gte=1, then=Value("under_one")),
            models.When(sentence_months__gt=0, then=Value("suspended")),
            models.When(supervision_months__gt=0, then=Value("supervision")),
            default=Value("none"),
            output_field=models.CharField(),
        )
        counts = people_counts("party__person", minor_cutoff=self.period.minor_cutoff, counted="pk")
        found = {
            r["band"]: r
            for r in self.events("convicted")
            .order_by()
            .annotate(custodial=custodial)
            .annotate(band=band)
            .values("band")
            .annotate(**counts)
        }
        empty = dict.fromkeys(PEOPLE_KEYS, 0)
        return Table(
            key="sentences",
            title=_("Sentences of the convictions in the period"),
            columns=(Column("band", _("Prison term to serve"), numeric=False), *PEOPLE_COLUMNS),
            rows=tuple(
                Row(str(label), tuple(found.get(value, empty)[key] for key in PEOPLE_KEYS))
                for value, label in SENTENCE_BANDS
            ),
            note=_(
                "One row per verdict of conviction: the prison term less its suspended part. "
                "A conviction whose sentence the sources do not give is under “no prison term "
                "recorded”."
            ),
            stack=SEX_KEYS,
            chart_label=_("verdicts"),
        )

    # The page and the downloads -----------------------------------------------------------

    def table(self, key: str, *, measure: str = DEFAULT_MEASURE) -> Table:
        """Return one table by its key (``TABLE_KEYS``)."""
        if key in DIMENSION_KEYS:
            return self.breakdown(measure, key)
        if key == "summary":
            return self.summary()
        if key == "sentences":
            return self.sentences()
        builders = {
            "hearings-court": activity.hearings_by_court,
            "hearings-category": activity.hearings_by_category,
            "followups": activity.followups,
            "occupancy": activity.occupancy,
        }
        return builders[key](user=self.user, period=self.period)

    def page(self, *, measure: str = DEFAULT_MEASURE) -> dict[str, object]:
        """Return every table of the page, grouped as the page shows them."""
        return {
            "summary": self.summary(),
            "breakdowns": [self.breakdown(measure, key) for key in DIMENSION_KEYS],
            "sentences": self.sentences(),
            "hearings": [self.table("hearings-court"), self.table("hearings-category")],
            "followups": self.table("followups"),
            "occupancy": self.table("occupancy"),
        }
