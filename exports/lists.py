"""The six exportable lists: their columns (declared once), scope, filter and ordering.

An export reads exactly what its list page shows for the same query string: the same
``visible_to`` scope, the list's own FilterSet (so the same filters and the same ordering),
every page. The redacted profile also leaves out restricted cases and what hangs off them,
and filters and sorts as a user not cleared for protected identities would.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cases.filters import (
    CaseFilter,
    DetentionFacilityFilter,
    DetentionFilter,
    FollowUpFilter,
    HearingFilter,
    PersonFilter,
)
from cases.models import (
    Case,
    CaseParty,
    Detention,
    DetentionFacility,
    FollowUp,
    Hearing,
    Person,
    Province,
    Role,
    Sex,
)
from cases.pagination import Keyset
from cases.views.reference import count_of

from .columns import Column, column, date, fuzzy, labels, local_datetime, number, yes_no
from .models import Profile

PROTECTED_IDENTITY = "cases.view_protected_identity"
NORMAL = Case.Confidentiality.NORMAL


# Renderers shared by several lists (factories: called once per export) ----------------------


def shown_name(context):
    """Render a person as the screens show them to someone not cleared: the pseudonym."""
    return lambda name, is_protected, pseudonym: pseudonym if is_protected else name


def real_name(context):
    return lambda name, is_protected, pseudonym: name


def unless_protected(context):
    """Render a field of a protected person as empty (as the person list does)."""
    return lambda value, is_protected: "" if is_protected else value


def as_given(context):
    return lambda value, is_protected: value


def alias_lines(context):
    def render(aliases, is_protected=False):
        if is_protected or not aliases:
            return ""
        return "; ".join(line.strip() for line in aliases.splitlines() if line.strip())

    return render


def full_aliases(context):
    render = alias_lines(context)
    return lambda aliases, is_protected: render(aliases)


def role_labels(context):
    words = {code: str(label) for code, label in Role.Code.choices}

    def render(codes):
        if not codes:
            return ""
        return "; ".join(sorted(words.get(code, code) for code in codes.split(",")))

    return render


def user_name(context):
    """Render a user as the lists do: the full name, else the username."""

    def render(first, last, username):
        full = f"{first or ''} {last or ''}".strip()
        return full or username or ""

    return render


def hearing_time(context):
    """Render the hearing's time as a local datetime, or only its day when the time is unknown."""
    local = local_datetime(context)

    def render(scheduled_at, time_known):
        value = local(scheduled_at)
        return value if value is None or time_known else value.date()

    return render


def days_detained(context):
    today = context.today

    def render(started_on, ended_on):
        end = ended_on or today
        if started_on is None or started_on > end:
            return None
        return (end - started_on).days

    return render


def overdue(context):
    today = context.today
    yes, no = yes_no(context)(True), yes_no(context)(False)
    return lambda status, due_on: yes if status == "open" and due_on and due_on < today else no


def person_columns(prefix: str = "") -> list[Column]:
    p = prefix
    return [
        column(
            _("Person"),
            f"{p}name",
            f"{p}is_protected",
            f"{p}pseudonym",
            render=real_name,
            redacted=shown_name,
        ),
    ]


def fuzzy_columns(header, earliest, latest, prefix: str) -> list[Column]:
    return [
        column(header, f"{prefix}_on", f"{prefix}_precision", f"{prefix}_until", render=fuzzy),
        date(earliest, f"{prefix}_on"),
        date(latest, f"{prefix}_until"),
    ]


# Scopes: what each list shows this user, before its filter -----------------------------------


def without_restricted_people(people: QuerySet) -> QuerySet:
    """Keep the people a user who sees no restricted case would see (Person.visible_to)."""
    parties = CaseParty.all_objects.filter(person=OuterRef("pk"))
    normal_cases = Case.all_objects.filter(confidentiality=NORMAL).values("pk")
    return people.filter(~Exists(parties) | Exists(parties.filter(case__in=normal_cases)))


def scope_of(model, redact: Callable[[QuerySet], QuerySet]) -> Callable[[object, str], QuerySet]:
    """Return a list's scope: what ``visible_to`` gives, less what ``redact`` leaves out in the
    redacted profile, read in one query (``for_export``)."""

    def scope(user, profile: str) -> QuerySet:
        rows = model.objects.visible_to(user)
        if profile == Profile.REDACTED:
            rows = redact(rows)
        return rows.for_export()

    return scope


def in_normal_cases(rows: QuerySet) -> QuerySet:
    return rows.filter(case__confidentiality=NORMAL)


def redacted_detentions(detentions: QuerySet) -> QuerySet:
    """Keep detentions in normal cases, and those without a case of people seen outside."""
    outside = without_restricted_people(Person.all_objects.all()).values("pk")
    return detentions.filter(
        Q(case__confidentiality=NORMAL) | Q(case__isnull=True, person__in=outside)
    )


people_scope = scope_of(Person, without_restricted_people)
case_scope = scope_of(Case, lambda cases: cases.filter(confidentiality=NORMAL))
hearing_scope = scope_of(Hearing, in_normal_cases)
detention_scope = scope_of(Detention, redacted_detentions)
followup_scope = scope_of(FollowUp, in_normal_cases)


def facility_scope(user, profile: str) -> QuerySet:
    """Facilities are seen by all; "detained now" counts the detentions in the profile's scope."""
    current = Detention.objects.visible_to(user).current()
    if profile == Profile.REDACTED:
        current = redacted_detentions(current)
    return DetentionFacility.objects.all().annotate(detained_count=count_of(current, "facility"))


# The lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportList:
    name: str  # in the URL: /exports/<name>.csv
    title: str
    list_url: str  # the list page's URL name
    filterset: type
    scope: Callable[[object, str], QuerySet]
    columns: tuple[Column, ...]

    def rows(self, *, user, profile: str, query: QueryDict) -> QuerySet:
        """Return the list's rows for this query string, in the list page's order."""
        viewer = uncleared(user) if profile == Profile.REDACTED else user
        data = query.copy()
        for key in ("page", "profile"):
            data.pop(key, None)
        filterset = self.filterset(
            data or None,
            queryset=self.scope(user, profile),
            request=SimpleNamespace(user=viewer, GET=data),
        )
        # As the list page (django-filter's FilterView, strict): a bad filter shows nothing.
        if filterset.is_bound and not filterset.is_valid():
            return filterset.queryset.none()
        return in_page_order(filterset.qs)


def in_page_order(rows: QuerySet) -> QuerySet:
    """Order the rows exactly as the list's pages do (``cases.pagination``: empty values
    last going up on every database, ties by primary key)."""
    keyset = Keyset.of(rows)
    return keyset.prepare(rows) if keyset is not None else rows


def uncleared(user):
    """Return a copy of ``user`` that may not see protected identities.

    The filters search and sort people by the name the user may see: in the redacted profile
    a real name must neither find a protected person nor decide where they sort.
    """
    viewer = copy.copy(user)
    has_perm = user.has_perm
    viewer.has_perm = lambda perm, obj=None: perm != PROTECTED_IDENTITY and has_perm(perm, obj)
    return viewer


ID = number(_("ID"), "pk")

PEOPLE = ExportList(
    name="people",
    title=_("People"),
    list_url="cases:person-list",
    filterset=PersonFilter,
    scope=people_scope,
    columns=(
        ID,
        column(
            _("Name"), "name", "is_protected", "pseudonym", render=real_name, redacted=shown_name
        ),
        column(_("Pseudonym"), "pseudonym", full_only=True),
        column(
            _("Khmer name"),
            "name_khmer",
            "is_protected",
            render=as_given,
            redacted=unless_protected,
        ),
        column(_("Aliases"), "aliases", "is_protected", render=full_aliases, redacted=alias_lines),
        column(_("Named"), "is_named", render=yes_no),
        column(_("Group"), "group__label"),
        column(_("Sex"), "sex", render=labels(Sex.choices)),
        *fuzzy_columns(_("Born"), _("Born at the earliest"), _("Born at the latest"), "birth"),
        column(_("Nationality"), "nationality"),
        column(_("Roles"), "role_codes", render=role_labels),
        column(_("Protected identity"), "is_protected", render=yes_no),
        column(_("Contact details"), "contact", full_only=True),
        column(_("Notes"), "notes", full_only=True),
        column(_("Source"), "source"),
    ),
)

CASES = ExportList(
    name="cases",
    title=_("Cases"),
    list_url="cases:case-list",
    filterset=CaseFilter,
    scope=case_scope,
    columns=(
        ID,
        column(_("Reference"), "reference"),
        column(_("Title"), "title"),
        column(_("Category"), "category", render=labels(Case.Category.choices)),
        column(_("Stage"), "stage", render=labels(Case.Stage.choices)),
        column(_("Status"), "status", render=labels(Case.Status.choices)),
        column(
            _("Confidentiality"), "confidentiality", render=labels(Case.Confidentiality.choices)
        ),
        column(_("Court"), "court__name"),
        column(_("Court case number"), "court_case_number"),
        *fuzzy_columns(
            _("Events began"), _("Began at the earliest"), _("Began at the latest"), "opened"
        ),
        number(_("Defendants"), "defendant_count"),
        column(_("Summary"), "summary"),
        column(_("Source"), "source"),
    ),
)

HEARINGS = ExportList(
    name="hearings",
    title=_("Hearings"),
    list_url="cases:hearing-list",
    filterset=HearingFilter,
    scope=hearing_scope,
    columns=(
        ID,
        column(_("Scheduled"), "scheduled_at", "time_known", render=hearing_time, text=False),
        column(_("Case reference"), "case__reference"),
        column(_("Case title"), "case__title"),
        column(_("Kind"), "kind", render=labels(Hearing.Kind.choices)),
        column(_("Court"), "court__name"),
        column(_("Status"), "status", render=labels(Hearing.Status.choices)),
        column(
            _("Monitor"),
            "monitor__first_name",
            "monitor__last_name",
            "monitor__username",
            render=user_name,
        ),
        column(_("Held at"), "held_at", render=local_datetime, text=False),
        column(_("Next hearing"), "next_hearing_at", render=local_datetime, text=False),
        column(_("Outcome notes"), "outcome"),
    ),
)

DETENTIONS = ExportList(
    name="detentions",
    title=_("Detentions"),
    list_url="cases:detention-list",
    filterset=DetentionFilter,
    scope=detention_scope,
    columns=(
        ID,
        *person_columns("person__"),
        number(_("Person ID"), "person_id"),
        column(_("Sex"), "person__sex", render=labels(Sex.choices)),
        column(_("Kind"), "kind", render=labels(Detention.Kind.choices)),
        column(_("Facility"), "facility__name"),
        column(_("Province"), "facility__province", render=labels(Province.choices)),
        *fuzzy_columns(
            _("Started"), _("Started at the earliest"), _("Started at the latest"), "started"
        ),
        *fuzzy_columns(_("Ended"), _("Ended at the earliest"), _("Ended at the latest"), "ended"),
        column(_("End reason"), "end_reason", render=labels(Detention.EndReason.choices)),
        column(
            _("Days detained (from the earliest start)"),
            "started_on",
            "ended_on",
            render=days_detained,
            text=False,
        ),
        column(_("Case reference"), "case__reference"),
        column(_("Ill-treatment alleged"), "ill_treatment_alleged", render=yes_no),
    ),
)

FOLLOWUPS = ExportList(
    name="followups",
    title=_("Follow-ups"),
    list_url="cases:followup-list",
    filterset=FollowUpFilter,
    scope=followup_scope,
    columns=(
        ID,
        column(_("Kind"), "kind", render=labels(FollowUp.Kind.choices)),
        column(_("What was done or is to be done"), "description"),
        column(_("Case reference"), "case__reference"),
        *person_columns("person__"),
        column(_("Addressed to"), "addressed_to__name"),
        date(_("Due on"), "due_on"),
        column(_("Status"), "status", render=labels(FollowUp.Status.choices)),
        column(_("Overdue"), "status", "due_on", render=overdue),
        *fuzzy_columns(_("Done"), _("Done at the earliest"), _("Done at the latest"), "done"),
        column(
            _("Owner"), "owner__first_name", "owner__last_name", "owner__username", render=user_name
        ),
        column(_("Response received"), "response"),
    ),
)

FACILITIES = ExportList(
    name="facilities",
    title=_("Detention facilities"),
    list_url="cases:facility-list",
    filterset=DetentionFacilityFilter,
    scope=facility_scope,
    columns=(
        ID,
        column(_("Name"), "name"),
        column(_("Kind"), "kind", render=labels(DetentionFacility.Kind.choices)),
        column(_("Province"), "province", render=labels(Province.choices)),
        number(_("Capacity"), "capacity"),
        number(_("Detained now"), "detained_count"),
        column(_("Notes"), "notes"),
    ),
)

LISTS: dict[str, ExportList] = {
    export.name: export for export in (PEOPLE, CASES, HEARINGS, DETENTIONS, FOLLOWUPS, FACILITIES)
}
