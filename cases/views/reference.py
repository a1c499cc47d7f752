"""PLACEHOLDER: being written by a helper. reference"""

from cases.models import Court, DetentionFacility, Organisation, PersonGroup

from .base import (
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)


class GroupList(RecordListView):
    model = PersonGroup
    filterset_fields = []


class GroupDetail(RecordDetailView):
    model = PersonGroup


class GroupCreate(RecordCreateView):
    model = PersonGroup
    fields = []


class GroupUpdate(RecordUpdateView):
    model = PersonGroup
    fields = []


class GroupDelete(RecordDeleteView):
    model = PersonGroup


class OrganisationList(RecordListView):
    model = Organisation
    filterset_fields = []


class OrganisationDetail(RecordDetailView):
    model = Organisation


class OrganisationCreate(RecordCreateView):
    model = Organisation
    fields = []


class OrganisationUpdate(RecordUpdateView):
    model = Organisation
    fields = []


class OrganisationDelete(RecordDeleteView):
    model = Organisation


class CourtList(RecordListView):
    model = Court
    filterset_fields = []


class CourtDetail(RecordDetailView):
    model = Court


class CourtCreate(RecordCreateView):
    model = Court
    fields = []


class CourtUpdate(RecordUpdateView):
    model = Court
    fields = []


class CourtDelete(RecordDeleteView):
    model = Court


class FacilityList(RecordListView):
    model = DetentionFacility
    filterset_fields = []


class FacilityDetail(RecordDetailView):
    model = DetentionFacility


class FacilityCreate(RecordCreateView):
    model = DetentionFacility
    fields = []


class FacilityUpdate(RecordUpdateView):
    model = DetentionFacility
    fields = []


class FacilityDelete(RecordDeleteView):
    model = DetentionFacility
