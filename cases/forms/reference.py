"""Forms for reference data: groups of people, organisations, courts, detention facilities."""

from django import forms
from django.core.validators import MinValueValidator

from cases.models import Court, DetentionFacility, Organisation, PersonGroup

from .base import VersionedModelForm


class PersonGroupForm(VersionedModelForm):
    class Meta:
        model = PersonGroup
        fields = ["label", "description", "source"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class OrganisationForm(VersionedModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "name_khmer", "acronym", "kind", "notes", "source"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CourtForm(VersionedModelForm):
    class Meta:
        model = Court
        fields = ["name", "level", "province", "source"]


class DetentionFacilityForm(VersionedModelForm):
    class Meta:
        model = DetentionFacility
        fields = ["name", "kind", "province", "capacity", "notes", "source"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The database refuses zero; say so beside the field rather than above the form.
        capacity = self.fields["capacity"]
        capacity.validators.append(MinValueValidator(1))
        capacity.widget.attrs["min"] = 1
