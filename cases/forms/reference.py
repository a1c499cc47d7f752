"""Forms for reference data: groups of people, organisations, courts, detention facilities."""

from django import forms
from django.core.validators import MinValueValidator

from cases.models import Court, DetentionFacility, Organisation, PersonGroup


class PersonGroupForm(forms.ModelForm):
    class Meta:
        model = PersonGroup
        fields = ["label", "description", "source"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "name_khmer", "acronym", "kind", "notes", "source"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CourtForm(forms.ModelForm):
    class Meta:
        model = Court
        fields = ["name", "level", "province", "source"]


class DetentionFacilityForm(forms.ModelForm):
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
