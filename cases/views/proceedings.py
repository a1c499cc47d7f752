"""PLACEHOLDER: being written by a helper. proceedings"""

from cases.models import Hearing, TrialOutcome

from .base import (
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)


class HearingList(RecordListView):
    model = Hearing
    filterset_fields = []


class HearingDetail(RecordDetailView):
    model = Hearing


class HearingCreate(RecordCreateView):
    model = Hearing
    fields = []


class HearingUpdate(RecordUpdateView):
    model = Hearing
    fields = []


class HearingDelete(RecordDeleteView):
    model = Hearing


class OutcomeList(RecordListView):
    model = TrialOutcome
    filterset_fields = []


class OutcomeDetail(RecordDetailView):
    model = TrialOutcome


class OutcomeCreate(RecordCreateView):
    model = TrialOutcome
    fields = []


class OutcomeUpdate(RecordUpdateView):
    model = TrialOutcome
    fields = []


class OutcomeDelete(RecordDeleteView):
    model = TrialOutcome
