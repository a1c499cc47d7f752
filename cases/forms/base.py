"""Widgets and helpers shared by the forms: fuzzy dates are three inputs (day, precision, until)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def fuzzy_fields(*prefixes: str) -> list[str]:
    return [f"{p}_{part}" for p in prefixes for part in ("on", "precision", "until")]


def fuzzy_widgets(*prefixes: str) -> dict:
    widgets = {}
    for prefix in prefixes:
        widgets[f"{prefix}_on"] = DateInput()
        widgets[f"{prefix}_until"] = DateInput()
    return widgets


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time that refuses years the time-zone conversion cannot hold (no 500)."""

    def to_python(self, value):
        try:
            result = super().to_python(value)
        except OverflowError:
            result = None
            invalid = True
        else:
            invalid = result is not None and not (MIN_YEAR <= result.year <= MAX_YEAR)
        if invalid:
            raise ValidationError(
                _("Enter a date between the years %(min)s and %(max)s."),
                code="invalid",
                params={"min": MIN_YEAR, "max": MAX_YEAR},
            )
        return result


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice that refuses ids no database integer can hold (no 500)."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except (TypeError, ValueError):
                continue  # the parent's own check explains it
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


MIN_YEAR, MAX_YEAR = 1900, 2200
# Fields swapped for their bounded subclass (same state, stricter parsing) on every form.
BOUNDED = {
    forms.DateTimeField: BoundedDateTimeField,
    forms.ModelMultipleChoiceField: BoundedModelMultipleChoiceField,
}


class VersionedModelForm(forms.ModelForm):
    """A model form that carries the version of the record it was opened at (hidden).

    Saving refuses the edit if the record has changed since (``EditConflict`` from the model),
    so two people editing at once never silently overwrite each other.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bounded = BOUNDED.get(type(field))
            if bounded is not None:
                field.__class__ = bounded  # a subclass that adds checks, no state
        if self.editing:
            self.fields["version"].initial = self.instance.version

    @property
    def editing(self) -> bool:
        return self.instance.pk is not None and not self.instance._state.adding

    def clean(self):
        cleaned = super().clean()
        # Said above the form: a hidden field's own error would not show.
        if self.editing and cleaned.get("version") is None and not self.has_error("version"):
            raise ValidationError(
                _("This form lacks the version of the record it edits: open it again."),
                code="no_version",
            )
        return cleaned

    def _post_clean(self):
        version = self.cleaned_data.get("version")
        if version is not None and self.editing:
            self.instance.version = version
        super()._post_clean()
