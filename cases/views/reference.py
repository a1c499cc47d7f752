"""Reference data: groups of people, organisations, courts and detention facilities.

Reference rows are visible to every logged-in user with the view permission; what hangs off
them (members, cases, hearings, detainees) is still scoped with ``visible_to``. Monitors add and
change groups and organisations; only supervisors write courts and facilities.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.filters import (
    CourtFilter,
    DetentionFacilityFilter,
    OrganisationFilter,
    PersonGroupFilter,
)
from cases.forms import CourtForm, DetentionFacilityForm, OrganisationForm, PersonGroupForm
from cases.models import (
    Affiliation,
    Case,
    CaseParty,
    Court,
    Detention,
    DetentionFacility,
    FollowUp,
    Hearing,
    Organisation,
    Person,
    PersonGroup,
    Sex,
)

from .base import (
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)

DETAIL_LIMIT = 50  # rows of a related list shown on a detail page, with the total beside them


# Shared list and page helpers (also used by the detention screens).


@dataclass(frozen=True)
class Shown:
    """What the shared form and delete templates print of a record: its label and its page."""

    pk: int
    label: str
    url: str

    @classmethod
    def of(cls, obj, label: str) -> Shown:
        return cls(pk=obj.pk, label=label, url=obj.get_absolute_url())

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return self.url


def count_of(queryset, field: str):
    """Return a correlated count of ``queryset`` rows whose ``field`` is the outer row.

    A subquery rather than ``Count()`` over a join: PostgreSQL would aggregate every filtered
    row before the page's LIMIT (see CONVENTIONS.md, "Measured on this machine kind").
    """
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


class ReferenceMixin:
    """Reference rows are not scoped by user: every logged-in user may see them all."""

    def get_queryset(self):
        return self.model.objects.all()


# Groups of people


def join_words(words: list[str]) -> str:
    """Return "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return _("%(list)s and %(last)s") % {"list": ", ".join(words[:-1]), "last": words[-1]}


def sex_breakdown(people) -> str:
    """Return "2 women and 10 men" for the given people."""
    counts = Counter(person.sex for person in people)
    parts = []
    if n := counts[Sex.WOMAN]:
        parts.append(ngettext("%(n)d woman", "%(n)d women", n) % {"n": n})
    if n := counts[Sex.MAN]:
        parts.append(ngettext("%(n)d man", "%(n)d men", n) % {"n": n})
    if n := counts[Sex.OTHER]:
        parts.append(
            ngettext("%(n)d person of another sex", "%(n)d people of another sex", n) % {"n": n}
        )
    if n := counts[Sex.UNKNOWN]:
        parts.append(ngettext("%(n)d of unknown sex", "%(n)d of unknown sex", n) % {"n": n})
    return join_words(parts)


@dataclass(frozen=True)
class GroupSummary:
    line: str
    total: int
    named: int
    women: int
    men: int
    other_sex: int
    unknown_sex: int
    minors: int
    minors_unknown: int


NAMED_IN_SUMMARY = 2


def summarise_group(members: list[Person], user, today: dt.date) -> GroupSummary:
    """Summarise the members as a report would: "Seam Pluk and 12 others (2 women and 10 men)".

    The breakdown in brackets counts the people not named before it. A member counts as a minor
    when under 18 on their first detention we know of, or today when never detained.
    """
    named = [m for m in members if m.is_named][:NAMED_IN_SUMMARY]
    others = [m for m in members if m not in named]
    names = [m.label_for(user) for m in named]
    if not members:
        line = _("No members recorded.")
    elif not named:
        line = ngettext("%(n)d person", "%(n)d people", len(others)) % {"n": len(others)}
    elif not others:
        line = join_words(names)
    else:
        line = ngettext("%(names)s and %(n)d other", "%(names)s and %(n)d others", len(others)) % {
            "names": ", ".join(names),
            "n": len(others),
        }
    if others:
        line = _("%(people)s (%(breakdown)s)") % {
            "people": line,
            "breakdown": sex_breakdown(others),
        }
    sexes = Counter(m.sex for m in members)
    minors = Counter(m.is_minor_on(m.first_detained or today) for m in members)
    return GroupSummary(
        line=line,
        total=len(members),
        named=sum(1 for m in members if m.is_named),
        women=sexes[Sex.WOMAN],
        men=sexes[Sex.MAN],
        other_sex=sexes[Sex.OTHER],
        unknown_sex=sexes[Sex.UNKNOWN],
        minors=minors[True],
        minors_unknown=minors[None],
    )


class GroupList(ReferenceMixin, RecordListView):
    model = PersonGroup
    filterset_class = PersonGroupFilter

    def get_queryset(self):
        members = Person.objects.visible_to(self.request.user)
        return super().get_queryset().annotate(member_count=count_of(members, "group"))


class GroupDetail(ReferenceMixin, RecordDetailView):
    model = PersonGroup

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        first_detained = (
            Detention.objects.visible_to(user)
            .filter(person=OuterRef("pk"))
            .order_by("started_on")
            .values("started_on")[:1]
        )
        members = list(
            Person.objects.visible_to(user)
            .filter(group=self.object)
            .annotate(first_detained=Subquery(first_detained))
        )
        # Sorted by the name shown, so a pseudonym does not sit at its real name's place.
        members.sort(key=lambda m: (not m.is_named, m.label_for(user).casefold(), m.pk))
        context["members"] = members
        context["summary"] = summarise_group(members, user, timezone.localdate())
        return context


class GroupCreate(RecordCreateView):
    model = PersonGroup
    form_class = PersonGroupForm


class GroupUpdate(ReferenceMixin, RecordUpdateView):
    model = PersonGroup
    form_class = PersonGroupForm


class GroupDelete(ReferenceMixin, RecordDeleteView):
    model = PersonGroup
    success_list = "cases:group-list"


# Organisations


class OrganisationList(ReferenceMixin, RecordListView):
    model = Organisation
    filterset_class = OrganisationFilter


class OrganisationDetail(ReferenceMixin, RecordDetailView):
    model = Organisation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, organisation = self.request.user, self.object
        affiliations = Affiliation.objects.filter(
            organisation=organisation, person__in=Person.objects.visible_to(user).values("pk")
        ).select_related("person")
        context["affiliations"] = sorted(
            affiliations, key=lambda a: (a.person.label_for(user).casefold(), a.pk)
        )
        context["parties"] = (
            CaseParty.objects.visible_to(user)
            .filter(organisation=organisation)
            .select_related("case")
            .order_by("-case__opened_on", "pk")
        )
        followups = FollowUp.objects.visible_to(user).filter(addressed_to=organisation)
        context["followups"] = followups.select_related("case")[:DETAIL_LIMIT]
        context["followup_count"] = followups.count()
        return context


class OrganisationCreate(RecordCreateView):
    model = Organisation
    form_class = OrganisationForm


class OrganisationUpdate(ReferenceMixin, RecordUpdateView):
    model = Organisation
    form_class = OrganisationForm


class OrganisationDelete(ReferenceMixin, RecordDeleteView):
    model = Organisation
    success_list = "cases:organisation-list"


# Courts


class CourtList(ReferenceMixin, RecordListView):
    model = Court
    filterset_class = CourtFilter

    def get_queryset(self):
        cases = Case.objects.visible_to(self.request.user)
        return super().get_queryset().annotate(case_count=count_of(cases, "court"))


class CourtDetail(ReferenceMixin, RecordDetailView):
    model = Court

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, court = self.request.user, self.object
        cases = Case.objects.visible_to(user).filter(court=court).order_by("-opened_on", "pk")
        context["cases"] = cases[:DETAIL_LIMIT]
        context["case_count"] = cases.count()
        # A hearing without its own court sits at its case's court.
        context["hearings"] = (
            Hearing.objects.visible_to(user)
            .upcoming()
            .filter(Q(court=court) | Q(court__isnull=True, case__court=court))
            .select_related("case")
            .order_by("scheduled_at", "pk")[:DETAIL_LIMIT]
        )
        return context


class CourtCreate(RecordCreateView):
    model = Court
    form_class = CourtForm


class CourtUpdate(ReferenceMixin, RecordUpdateView):
    model = Court
    form_class = CourtForm


class CourtDelete(ReferenceMixin, RecordDeleteView):
    model = Court
    success_list = "cases:court-list"


# Detention facilities


def occupancy_percent(count: int, capacity: int | None) -> int | None:
    """Return the recorded detainees as a whole percentage of capacity, None when unknown."""
    if not capacity:
        return None
    return round(100 * count / capacity)


class FacilityList(ReferenceMixin, RecordListView):
    model = DetentionFacility
    filterset_class = DetentionFacilityFilter

    def get_queryset(self):
        current = Detention.objects.visible_to(self.request.user).current()
        return super().get_queryset().annotate(detained_count=count_of(current, "facility"))


class FacilityDetail(ReferenceMixin, RecordDetailView):
    model = DetentionFacility

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        facility = self.object
        detainees = list(
            Detention.objects.visible_to(self.request.user)
            .current()
            .filter(facility=facility)
            .select_related("person", "case")
            .order_by("started_on", "pk")
        )
        context["detainees"] = detainees
        context["occupancy"] = occupancy_percent(len(detainees), facility.capacity)
        return context


class FacilityCreate(RecordCreateView):
    model = DetentionFacility
    form_class = DetentionFacilityForm


class FacilityUpdate(ReferenceMixin, RecordUpdateView):
    model = DetentionFacility
    form_class = DetentionFacilityForm


class FacilityDelete(ReferenceMixin, RecordDeleteView):
    model = DetentionFacility
    success_list = "cases:facility-list"
