"""Cases: list, detail, create, edit, delete; their parties and charges; the timeline."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_safe

from cases.clocks import RuleBook, appeal_clocks, detention_clocks
from cases.filters import CaseFilter
from cases.forms import CaseForm, ChargeForm, PartyForm
from cases.models import (
    Case,
    CaseParty,
    Charge,
    Detention,
    FollowUp,
    Hearing,
    PersonGroup,
    Sex,
    TrialOutcome,
)
from cases.rules import fingerprint_of, table_fingerprint
from cases.services.cases import open_case
from cases.timeline import (
    KeptRuleBook,
    Kind,
    build_timeline,
    parse_kinds,
    party_name,
    render_entries,
)

from .base import (
    CaseChildMixin,
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
    record_restricted_view,
)

# Parties, as the case page shows them ----------------------------------------------------


SEX_COUNTS = {
    Sex.WOMAN: ngettext_lazy("%(n)d woman", "%(n)d women", "n"),
    Sex.MAN: ngettext_lazy("%(n)d man", "%(n)d men", "n"),
    Sex.OTHER: ngettext_lazy("%(n)d of another sex", "%(n)d of another sex", "n"),
    Sex.UNKNOWN: ngettext_lazy("%(n)d of unknown sex", "%(n)d of unknown sex", "n"),
}


def sex_summary(counts: dict[str, int]) -> str:
    """Return "2 women and 10 men" for ``{"woman": 2, "man": 10}``."""
    parts = [text % {"n": counts[sex]} for sex, text in SEX_COUNTS.items() if counts.get(sex)]
    return str(get_text_list(parts, _("and")))


@dataclass(frozen=True)
class UnnamedGroup:
    """The unnamed members of a documented group in one role, shown as one line."""

    group: PersonGroup
    named: tuple[CaseParty, ...]  # members of the group who are named: shown in full
    unnamed: tuple[CaseParty, ...]
    is_group = True

    @property
    def sex_counts(self) -> dict[str, int]:
        return dict(Counter(party.person.sex for party in self.unnamed))

    @property
    def sex_summary(self) -> str:
        return sex_summary(self.sex_counts)


@dataclass(frozen=True)
class RoleSection:
    role: str
    label: str
    entries: tuple[CaseParty | UnnamedGroup, ...]


def party_sections(parties: Iterable[CaseParty]) -> list[RoleSection]:
    """Return the parties by role (defendants first) with unnamed group members collapsed.

    The unnamed members of a group become one ``UnnamedGroup`` entry, placed where the
    group's first member comes, with the group's named members of the same role in it:
    "Seam Pluk and 12 others (2 women and 10 men)" rather than thirteen rows.
    """
    by_role: dict[str, list[CaseParty]] = {}
    for party in parties:
        by_role.setdefault(party.role, []).append(party)
    sections = []
    for role, label in CaseParty.Role.choices:
        if role in by_role:
            sections.append(RoleSection(role, str(label), tuple(collapse(by_role[role]))))
    return sections


def collapse(parties: list[CaseParty]) -> list[CaseParty | UnnamedGroup]:
    def group_of(party):
        return party.person.group_id if party.person_id else None

    unnamed_groups = {
        group_of(party) for party in parties if party.person_id and not party.person.is_named
    }
    unnamed_groups.discard(None)
    members: dict[int, list[CaseParty]] = {}
    for party in parties:
        if group_of(party) in unnamed_groups:
            members.setdefault(group_of(party), []).append(party)
    entries: list[CaseParty | UnnamedGroup] = []
    for party in parties:
        group_id = group_of(party)
        if group_id not in unnamed_groups:
            entries.append(party)
        elif party is members[group_id][0]:
            entries.append(
                UnnamedGroup(
                    group=party.person.group,
                    named=tuple(p for p in members[group_id] if p.person.is_named),
                    unnamed=tuple(p for p in members[group_id] if not p.person.is_named),
                )
            )
    return entries


def case_page(case: Case, user) -> dict:
    """Return what the case page shows besides the case: a fixed number of queries."""
    parties = list(
        CaseParty.objects.visible_to(user)
        .filter(case=case)
        .select_related("person__group", "organisation")
        .prefetch_related(
            Prefetch("charges", queryset=Charge.objects.select_related("offence")),
            Prefetch("outcomes", queryset=TrialOutcome.objects.select_related("court")),
        )
    )
    today = timezone.localdate()
    detained = list(
        Detention.objects.visible_to(user)
        .filter(case=case)
        .current(on=today)
        .select_related("person", "facility")
        .prefetch_related("extensions")
        .order_by("started_on", "pk")
    )
    outcomes = [o for p in parties for o in p.outcomes.all()]
    attach_clocks(detained, outcomes, today=today, rules=KeptRuleBook(fingerprint_of(case)))
    next_hearing = (
        Hearing.objects.visible_to(user)
        .filter(case=case)
        .upcoming()
        .select_related("court")
        .order_by("scheduled_at", "pk")
        .first()
    )
    followups = (
        FollowUp.objects.visible_to(user)
        .filter(case=case)
        .select_related("owner", "addressed_to", "person")
    )
    return {
        "sections": party_sections(parties),
        "detained": detained,
        "next_hearing": next_hearing,
        "followups": list(followups),
    }


def attach_clocks(
    detentions: list[Detention],
    outcomes: list[TrialOutcome],
    *,
    today: dt.date,
    rules: RuleBook | None = None,
) -> None:
    """Give each detention its legal clock and each verdict its appeal clock (``.clock``,
    ``.appeal_clock``), reading the rule table once (unless ``rules`` has it)."""
    rules = rules or RuleBook()
    clocks = detention_clocks(detentions, today=today, rules=rules)
    for detention in detentions:
        detention.clock = clocks[detention.pk]
    appeals = appeal_clocks(outcomes, today=today, rules=rules)
    for outcome in outcomes:
        outcome.appeal_clock = appeals.get(outcome.pk)


# Cases -------------------------------------------------------------------------------------


class CaseEditableMixin:
    """Answer 403 for a case the user may see but not edit (unseen cases are already 404)."""

    def get_object(self, queryset=None):
        case = super().get_object(queryset)
        if not Case.objects.editable_by(self.request.user).filter(pk=case.pk).exists():
            raise PermissionDenied(_("You may not change this case."))
        return case


class CaseList(RecordListView):
    model = Case
    filterset_class = CaseFilter


class CaseDetail(RecordDetailView):
    model = Case

    def get_queryset(self):
        # With the rule table's fingerprint: the clocks then use the process's copy of it.
        return super().get_queryset().annotate(**table_fingerprint())

    def can_change(self, obj) -> bool:
        return Case.objects.editable_by(self.request.user).filter(pk=obj.pk).exists()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(case_page(self.object, self.request.user))
        return context


class CaseCreate(RecordCreateView):
    model = Case
    form_class = CaseForm

    def form_valid(self, form):
        try:
            self.object = open_case(
                case=form.save(commit=False),
                opened_by=self.request.user,
                monitors=form.cleaned_data["monitors"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message())
        return redirect(self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(cancel_url=reverse("cases:case-list"), **kwargs)


class CaseUpdate(CaseEditableMixin, RecordUpdateView):
    model = Case
    form_class = CaseForm


class CaseDelete(CaseEditableMixin, RecordDeleteView):
    model = Case
    success_list = "cases:case-list"
    template_name = "cases/case_confirm_delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            object_label=str(self.object),
            cancel_url=self.object.get_absolute_url(),
            consequence=_(
                "Its parties, charges, trial outcomes, hearings and follow-ups are deleted with it."
            ),
            **kwargs,
        )


@require_safe
@permission_required("cases.view_case", raise_exception=True)
def case_timeline(request, pk):
    """Show the case's events in order, filtered by kind."""
    cases = Case.objects.visible_to(request.user).select_related("court")
    # With the rule table's fingerprint: the deadlines then use the process's copy of it.
    case = get_object_or_404(cases.annotate(**table_fingerprint()), pk=pk)
    record_restricted_view(case, detail="timeline")
    chosen = parse_kinds(request.GET.getlist("kind"))
    # The case was read through visible_to(): the sources need not check it again.
    entries = build_timeline(case, user=request.user, kinds=chosen, visible=True)
    context = {
        "case": case,
        "entries": entries,
        "entries_html": render_entries(entries),
        "kinds": [(value, label, value in chosen) for value, label in Kind.choices],
        "is_filtered": len(chosen) < len(Kind.values),
    }
    return render(request, "cases/case_timeline.html", context)


# Parties and charges: records of a case the user may edit ---------------------------------


class CaseChildDeleteView(CaseChildMixin, RecordDeleteView):
    """Delete a record of a case, naming it as this user may see it, and go back to the case."""

    template_name = "cases/case_confirm_delete.html"

    def get_success_url(self):
        return self.get_case().get_absolute_url()

    def get_refused_url(self) -> str:
        return self.get_success_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            object_label=self.label(), cancel_url=self.get_success_url(), **kwargs
        )


def party_label(party: CaseParty, user) -> str:
    return _("%(party)s (%(role)s)") % {
        "party": party_name(party, user),
        "role": party.get_role_display(),
    }


class PartyFormMixin:
    model = CaseParty
    form_class = PartyForm
    template_name = "cases/caseparty_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if kwargs.get("instance") is None:
            kwargs["instance"] = CaseParty(case=self.get_case())
        return kwargs

    def get_success_message(self) -> str:
        return _("Saved “%(object)s”.") % {"object": party_label(self.object, self.request.user)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is not None:
            context["subtitle"] = party_label(self.object, self.request.user)
        return context


class PartyCreate(PartyFormMixin, CaseChildMixin, RecordCreateView):
    pass


class PartyUpdate(PartyFormMixin, CaseChildMixin, RecordUpdateView):
    pass


class PartyDelete(CaseChildDeleteView):
    model = CaseParty

    def label(self) -> str:
        return party_label(self.object, self.request.user)


def charge_label(charge: Charge, user) -> str:
    return _("%(offence)s against %(party)s") % {
        "offence": charge.offence,
        "party": party_name(charge.party, user),
    }


class ChargeMixin:
    """Charges are reached through a defendant of a case the user may see."""

    model = Charge

    def get_queryset(self):
        # A party whose role changed no longer takes charges: its charges are not editable
        # here (the form cannot show an error on the party it does not have).
        return (
            super()
            .get_queryset()
            .filter(party__in=CaseParty.objects.defendants())
            .select_related("party__case", "party__person", "party__organisation", "offence")
        )


class ChargeFormMixin(ChargeMixin):
    form_class = ChargeForm
    template_name = "cases/caseparty_form.html"  # the same page: only the subtitle differs

    def get_party(self) -> CaseParty:
        return self.object.party

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if kwargs.get("instance") is None:
            kwargs["instance"] = Charge(party=self.get_party())
        return kwargs

    def get_success_message(self) -> str:
        return _("Saved the charge of %(charge)s.") % {
            "charge": charge_label(self.object, self.request.user)
        }

    def get_context_data(self, **kwargs):
        party = party_name(self.get_party(), self.request.user)
        return super().get_context_data(
            subtitle=_("Against %(party)s") % {"party": party}, **kwargs
        )


class ChargeCreate(ChargeFormMixin, CaseChildMixin, RecordCreateView):
    def get_party(self) -> CaseParty:
        if not hasattr(self, "_party"):
            self._party = get_object_or_404(
                CaseParty.objects.visible_to(self.request.user)
                .defendants()
                .select_related("case", "person", "organisation"),
                pk=self.kwargs["party_pk"],
            )
        return self._party

    def get_case(self) -> Case:
        return self.get_party().case


class ChargeUpdate(ChargeFormMixin, CaseChildMixin, RecordUpdateView):
    pass


class ChargeDelete(ChargeMixin, CaseChildDeleteView):
    def label(self) -> str:
        return charge_label(self.object, self.request.user)
