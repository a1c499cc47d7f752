"""PLACEHOLDER: being written by a helper. followups"""

from cases.models import FollowUp

from .base import (
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)


class FollowUpList(RecordListView):
    model = FollowUp
    filterset_fields = []


class FollowUpDetail(RecordDetailView):
    model = FollowUp


class FollowUpCreate(RecordCreateView):
    model = FollowUp
    fields = []


class FollowUpUpdate(RecordUpdateView):
    model = FollowUp
    fields = []


class FollowUpDelete(RecordDeleteView):
    model = FollowUp
