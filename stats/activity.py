"""The tables that count things other than people: hearings monitored, follow-ups with the
authorities, and the occupancy of detention facilities. Same rules as ``stats.statistics``."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, DetentionFacility, FollowUp, Hearing, Province
from observations.models import Observation

from .period import Period, custodial
from .tables import SEX_COLUMNS, SEX_KEYS, Column, Row, Table


def hearings(*, user, period: Period) -> QuerySet:
    """Return the hearings of the period (not cancelled) the user may see."""
    first, after = period.moments()
    return (
        Hearing.objects.visible_to(user)
        .filter(scheduled_at__gte=first, scheduled_at__lt=after)
        .exclude(status=Hearing.Status.CANCELLED)
        .order_by()
    )


def hearing_counts() -> dict[str, Count]:
    observed = Q(Exists(Observation.objects.submitted().filter(hearing=OuterRef("pk"))))
    attended = Q(monitor__isnull=False, status__in=[Hearing.Status.HELD, Hearing.Status.ADJOURNED])
    return {
        "hearings": Count("pk"),
        "monitored": Count("pk", filter=observed | attended),
        "unmonitored": Count("pk", filter=~(observed | attended)),
        "observed": Count("pk", filter=observed),
    }


HEARING_COLUMNS = (
    Column("hearings", gettext_lazy("Hearings")),
    Column("monitored", gettext_lazy("Monitored")),
    Column("unmonitored", gettext_lazy("Not monitored")),
    Column("observed", gettext_lazy("With a submitted observation")),
)
HEARING_NOTE = gettext_lazy(
    "Hearings scheduled in the period and not cancelled. A hearing is monitored when a "
    "fair-trial observation of it was submitted, or when it was held or adjourned with a "
    "monitor recorded as attending."
)


def hearings_by_court(*, user, period: Period) -> Table:
    provinces = dict(Province.choices)
    found = (
        hearings(user=user, period=period)
        .annotate(
            court_name=Coalesce("court__name", "case__court__name"),
            court_province=Coalesce("court__province", "case__court__province"),
        )
        .values("court_name", "court_province")
        .annotate(**hearing_counts())
    )
    ordered = sorted(found, key=lambda r: (r["court_name"] is None, r["court_name"] or ""))
    rows = [
        Row(
            r["court_name"] or _("Court not recorded"),
            (
                str(provinces.get(r["court_province"], _("Not recorded"))),
                *(r[column.key] for column in HEARING_COLUMNS),
            ),
        )
        for r in ordered
    ]
    return Table(
        key="hearings-court",
        title=_("Hearings monitored, by court"),
        columns=(
            Column("court", _("Court"), numeric=False),
            Column("province", _("Province"), numeric=False),
            *HEARING_COLUMNS,
        ),
        rows=tuple(rows),
        note=str(HEARING_NOTE),
        stack=("monitored", "unmonitored"),
        chart_label=_("hearings"),
    )


def hearings_by_category(*, user, period: Period) -> Table:
    found = {
        r["case__category"]: r
        for r in hearings(user=user, period=period)
        .values("case__category")
        .annotate(**hearing_counts())
    }
    rows = [
        Row(str(label), tuple(found[value][c.key] for c in HEARING_COLUMNS))
        for value, label in Case.Category.choices
        if value in found
    ]
    return Table(
        key="hearings-category",
        title=_("Hearings monitored, by case category"),
        columns=(Column("category", _("Case category"), numeric=False), *HEARING_COLUMNS),
        rows=tuple(rows),
        note=str(HEARING_NOTE),
        stack=("monitored", "unmonitored"),
        chart_label=_("hearings"),
    )


def followups(*, user, period: Period) -> Table:
    """Return the follow-ups done in the period, and those open today, by kind."""
    today = period.today
    found = {
        r["kind"]: r
        for r in FollowUp.objects.visible_to(user)
        .order_by()
        .values("kind")
        .annotate(
            done=Count("pk", filter=Q(status=FollowUp.Status.DONE) & period.holds("done_on")),
            open=Count("pk", filter=Q(status=FollowUp.Status.OPEN)),
            overdue=Count("pk", filter=Q(status=FollowUp.Status.OPEN, due_on__lt=today)),
        )
    }
    empty = {"done": 0, "open": 0, "overdue": 0}
    columns = (
        Column("done", _("Done in the period")),
        Column("open", _("Open today")),
        Column("overdue", _("Overdue today")),
    )
    return Table(
        key="followups",
        title=_("Follow-ups with the authorities, by kind"),
        columns=(Column("kind", _("Kind"), numeric=False), *columns),
        rows=tuple(
            Row(str(label), tuple(found.get(value, empty)[c.key] for c in columns))
            for value, label in FollowUp.Kind.choices
        ),
        note=_(
            "Done in the period: marked done, with the day it was done in the period. Open "
            "and overdue: as they stand today, whatever the period."
        ),
        stack=("done",),
        chart_label=_("follow-ups done"),
    )


def occupancy(*, user, period: Period) -> Table:
    """Return the people held in each facility on the "now" day, against its capacity."""
    current = custodial(user).current(on=period.as_of).values("pk")
    inside = Q(detentions__in=current)

    def held(condition: Q | None = None) -> Count:
        return Count(
            "detentions__person",
            distinct=True,
            filter=inside & condition if condition is not None else inside,
        )

    facilities = (
        DetentionFacility.objects.order_by()
        .annotate(total=held(), **{sex: held(Q(detentions__person__sex=sex)) for sex in SEX_KEYS})
        .filter(Q(capacity__isnull=False) | Q(total__gt=0))
        .order_by("name", "pk")
        .values("name", "province", "capacity", "total", *SEX_KEYS)
    )
    provinces = dict(Province.choices)
    rows = []
    for f in facilities:
        share = round(100 * f["total"] / f["capacity"], 1) if f["capacity"] else None
        rows.append(
            Row(
                f["name"],
                (
                    str(provinces.get(f["province"], _("Not recorded"))),
                    *(f[sex] for sex in SEX_KEYS),
                    f["total"],
                    f["capacity"],
                    share,
                ),
            )
        )
    return Table(
        key="occupancy",
        title=_("Facility occupancy on %(date)s")
        % {"date": date_format(period.as_of, "DATE_FORMAT")},
        columns=(
            Column("facility", _("Facility"), numeric=False),
            Column("province", _("Province"), numeric=False),
            *SEX_COLUMNS,
            Column("total", _("Held")),
            Column("capacity", _("Capacity")),
            Column("share", _("Occupancy (percent of capacity)")),
        ),
        rows=tuple(rows),
        note=_(
            "People recorded here as detained in each facility, not the facility's whole "
            "population; facilities without a known capacity and nobody recorded are left "
            "out."
        ),
        stack=SEX_KEYS,
        marker="capacity",
        chart_label=_("people held"),
    )
