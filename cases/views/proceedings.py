"""Hearings and trial outcomes: list, detail, create under a case or defendant, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cases.filters import HearingFilter, TrialOutcomeFilter
from cases.forms import HearingForm, HearingOutcomeForm, TrialOutcomeForm
from cases.models import CaseParty, Hearing, TrialOutcome
from cases.services.proceedings import record_hearing, record_hearing_outcome

from .base import (
    CaseChildMixin,
    CaseEditableDetailMixin,
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)

# Shared by the follow-up views too; candidates for views/base.py.


class ServiceFormMixin:
    """Save through a service; a rule broken between validation and save shows on the form."""

    def save_through_service(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        adding = form.instance._state.adding
        try:
            self.object = self.save_through_service(form)
        except ValidationError as error:
            if adding:  # the save was rolled back: the form is still a "new" form
                form.instance.pk = None
                form.instance._state.adding = True
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message())
        return HttpResponseRedirect(self.get_success_url())


def local_datetime(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


# Hearings


class HearingList(RecordListView):
    model = Hearing
    filterset_class = HearingFilter


class HearingDetail(CaseEditableDetailMixin, RecordDetailView):
    model = Hearing

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("case", "court", "monitor", "previous", "next_hearing")
        )


class HearingCreate(CaseChildMixin, ServiceFormMixin, RecordCreateView):
    model = Hearing
    form_class = HearingForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        case = self.get_case()
        kwargs["instance"] = Hearing(case=case, court=case.court)
        return kwargs

    def save_through_service(self, form):
        return record_hearing(hearing=form.instance, by=self.request.user)


class HearingUpdate(CaseChildMixin, ServiceFormMixin, RecordUpdateView):
    model = Hearing
    form_class = HearingOutcomeForm

    def save_through_service(self, form):
        data = form.cleaned_data
        return record_hearing_outcome(
            hearing=form.instance,
            status=data["status"],
            held_at=data["held_at"],
            outcome=data["outcome"],
            next_hearing_at=data["next_hearing_at"],
            by=self.request.user,
        )

    def get_success_message(self) -> str:
        message = super().get_success_message()
        hearing = self.object
        following = Hearing.objects.filter(previous=hearing).first()
        if following is None or hearing.status != Hearing.Status.ADJOURNED:
            return message
        if following.scheduled_at != hearing.next_hearing_at:
            messages.warning(
                self.request,
                _("The next hearing has already taken place, so its date was not changed."),
            )
            return message
        return _("%(saved)s The next hearing is scheduled for %(date)s.") % {
            "saved": message,
            "date": local_datetime(following.scheduled_at),
        }


class HearingDelete(CaseChildMixin, RecordDeleteView):
    model = Hearing

    def get_success_url(self):
        return self.get_case().get_absolute_url()


# Trial outcomes


def outcome_label(outcome: TrialOutcome, user) -> str:
    """Return "Convicted (First instance) — <name>" with the name this user may see."""
    party = outcome.party
    name = party.person.label_for(user) if party.person_id else str(party.organisation)
    return _("%(verdict)s (%(instance)s) — %(defendant)s") % {
        "verdict": outcome.get_verdict_display(),
        "instance": outcome.get_instance_display(),
        "defendant": name,
    }


class OutcomeQueryMixin:
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("party__case", "party__person", "party__organisation", "court")
        )


class OutcomeLabelMixin:
    """Name the defendant as the user may see it, never by ``str()`` (it shows the real name)."""

    def get_success_message(self) -> str:
        return _("Saved “%(object)s”.") % {"object": outcome_label(self.object, self.request.user)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is not None and self.object.pk:
            context["object_label"] = outcome_label(self.object, self.request.user)
        return context


class OutcomeList(OutcomeQueryMixin, RecordListView):
    model = TrialOutcome
    filterset_class = TrialOutcomeFilter


class OutcomeDetail(OutcomeQueryMixin, CaseEditableDetailMixin, RecordDetailView):
    model = TrialOutcome
    context_object_name = "outcome"


class OutcomeCreate(CaseChildMixin, OutcomeLabelMixin, RecordCreateView):
    model = TrialOutcome
    form_class = TrialOutcomeForm
    template_name = "cases/trialoutcome_form.html"

    def get_party(self) -> CaseParty:
        """Return the defendant from the URL: 404 unless it is a defendant the user may see."""
        if not hasattr(self, "_party"):
            parties = CaseParty.objects.visible_to(self.request.user).defendants()
            self._party = get_object_or_404(
                parties.select_related("case", "person", "organisation"),
                pk=self.kwargs["party_pk"],
            )
        return self._party

    def get_case(self):
        return self.get_party().case

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        party = self.get_party()
        kwargs["instance"] = TrialOutcome(party=party, court=party.case.court)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["party"] = self.get_party()
        return context


class OutcomeUpdate(CaseChildMixin, OutcomeLabelMixin, OutcomeQueryMixin, RecordUpdateView):
    model = TrialOutcome
    form_class = TrialOutcomeForm
    template_name = "cases/trialoutcome_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["party"] = self.object.party
        return context


class OutcomeDelete(CaseChildMixin, OutcomeQueryMixin, RecordDeleteView):
    model = TrialOutcome
    template_name = "cases/trialoutcome_confirm_delete.html"

    def get_success_url(self):
        return self.get_case().get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object_label"] = outcome_label(self.object, self.request.user)
        return context

    def label(self) -> str:
        return outcome_label(self.object, self.request.user)
