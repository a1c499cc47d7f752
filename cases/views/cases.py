"""PLACEHOLDER: being written by a helper. cases"""

from cases.models import Case, CaseParty, Charge

from .base import (
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)


class CaseList(RecordListView):
    model = Case
    filterset_fields = []


class CaseDetail(RecordDetailView):
    model = Case


class CaseCreate(RecordCreateView):
    model = Case
    fields = []


class CaseUpdate(RecordUpdateView):
    model = Case
    fields = []


class CaseDelete(RecordDeleteView):
    model = Case


class PartyList(RecordListView):
    model = CaseParty
    filterset_fields = []


class PartyDetail(RecordDetailView):
    model = CaseParty


class PartyCreate(RecordCreateView):
    model = CaseParty
    fields = []


class PartyUpdate(RecordUpdateView):
    model = CaseParty
    fields = []


class PartyDelete(RecordDeleteView):
    model = CaseParty


class ChargeList(RecordListView):
    model = Charge
    filterset_fields = []


class ChargeDetail(RecordDetailView):
    model = Charge


class ChargeCreate(RecordCreateView):
    model = Charge
    fields = []


class ChargeUpdate(RecordUpdateView):
    model = Charge
    fields = []


class ChargeDelete(RecordDeleteView):
    model = Charge


def case_timeline(request, pk):
    raise NotImplementedError
