"""PLACEHOLDER: being written by a helper. detentions"""

from cases.models import Detention, DetentionExtension

from .base import (
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)


class DetentionList(RecordListView):
    model = Detention
    filterset_fields = []


class DetentionDetail(RecordDetailView):
    model = Detention


class DetentionCreate(RecordCreateView):
    model = Detention
    fields = []


class DetentionUpdate(RecordUpdateView):
    model = Detention
    fields = []


class DetentionDelete(RecordDeleteView):
    model = Detention


class ExtensionList(RecordListView):
    model = DetentionExtension
    filterset_fields = []


class ExtensionDetail(RecordDetailView):
    model = DetentionExtension


class ExtensionCreate(RecordCreateView):
    model = DetentionExtension
    fields = []


class ExtensionUpdate(RecordUpdateView):
    model = DetentionExtension
    fields = []


class ExtensionDelete(RecordDeleteView):
    model = DetentionExtension
