"""Follow-ups: list, detail, create under a case, edit, delete."""

from __future__ import annotations

from cases.filters import FollowUpFilter
from cases.forms import FollowUpForm
from cases.models import FollowUp

from .base import (
    CaseChildMixin,
    CaseEditableDetailMixin,
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)


class FollowUpList(RecordListView):
    model = FollowUp
    filterset_class = FollowUpFilter


class FollowUpDetail(CaseEditableDetailMixin, RecordDetailView):
    model = FollowUp

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("case", "person", "detention", "facility", "addressed_to", "owner")
        )


class FollowUpFormMixin:
    form_class = FollowUpForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class FollowUpCreate(CaseChildMixin, FollowUpFormMixin, RecordCreateView):
    model = FollowUp

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = FollowUp(case=self.get_case(), owner=self.request.user)
        return kwargs


class FollowUpUpdate(CaseChildMixin, FollowUpFormMixin, RecordUpdateView):
    model = FollowUp


class FollowUpDelete(CaseChildMixin, RecordDeleteView):
    model = FollowUp

    def get_success_url(self):
        return self.get_case().get_absolute_url()
