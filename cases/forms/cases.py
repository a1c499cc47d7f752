"""Forms for cases, their parties and the charges against defendants."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import access
from cases.models import Case, CaseParty, Charge, Offence, Person

from .base import BoundedModelMultipleChoiceField, VersionedModelForm, fuzzy_fields, fuzzy_widgets


class MonitorChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class CaseForm(VersionedModelForm):
    monitors = MonitorChoiceField(
        label=_("Assigned monitors"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Field monitors who follow this case and may edit it."),
    )

    class Meta:
        model = Case
        fields = [
            "reference",
            "title",
            "category",
            "summary",
            "court",
            "court_case_number",
            "stage",
            "status",
            "confidentiality",
            *fuzzy_fields("opened"),
            "monitors",
            "source",
        ]
        widgets = {
            **fuzzy_widgets("opened"),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"opened_on": _("Events began (day, or any day of the month or year)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new case gets a reference made for it; an existing one keeps the one it has.
        self.fields["reference"].required = bool(self.instance.pk)
        # Keep anyone already assigned selectable, so saving the form never drops them.
        in_group = Q(groups__name=access.ROLE_MONITOR)
        if self.instance.pk:
            in_group |= Q(monitored_cases=self.instance)
        self.fields["monitors"].queryset = (
            get_user_model()
            .objects.filter(in_group, is_active=True)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )


XOR_MESSAGE = _("Choose a person or an organisation, not both.")


class PartyForm(VersionedModelForm):
    """A party to a case; the view sets the case on the instance before validation."""

    class Meta:
        model = CaseParty
        fields = ["person", "organisation", "role", "notes", "source"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "person": _("Leave empty when the party is an organisation."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        person.queryset = Person.objects.visible_to(user).order_by("-is_named", "name", "pk")
        # Protected identities appear under their pseudonym, as everywhere else.
        person.label_from_instance = lambda p: p.label_for(user)

    def clean(self):
        cleaned = super().clean()
        person, organisation = cleaned.get("person"), cleaned.get("organisation")
        if person and organisation:
            self.add_error("organisation", XOR_MESSAGE)
        elif not (person or organisation or self.has_error("person")):
            self.add_error("person", _("Choose the person or the organisation."))
        return cleaned

    def full_clean(self):
        super().full_clean()
        # The model states "a person or an organisation" from both its clean() and its check
        # constraint, as form-wide errors: say it once, beside the field, as clean() did.
        general = self._errors.get(NON_FIELD_ERRORS) if self._errors else None
        if not general:
            return
        shown = {str(m) for field in ("person", "organisation") for m in self.errors.get(field, [])}
        kept, seen = [], set()
        for error in general.as_data():
            message = " ".join(error.messages)
            if message in seen or (shown and message == str(XOR_MESSAGE)):
                continue
            seen.add(message)
            kept.append(error)
        if kept:
            self._errors[NON_FIELD_ERRORS] = self.error_class(
                kept, error_class="nonfield", renderer=self.renderer
            )
        else:
            del self._errors[NON_FIELD_ERRORS]

    def clean_role(self):
        role = self.cleaned_data["role"]
        party = self.instance
        if (
            party.pk
            and role != CaseParty.Role.DEFENDANT
            and (party.charges.exists() or party.outcomes.exists())
        ):
            raise ValidationError(
                _("Only a defendant has charges and verdicts: remove them first."),
                code="role_has_charges",
            )
        return role

    def validate_constraints(self):
        # "case" is not a form field, so ModelForm would skip the uniqueness rules naming it.
        exclude = self._get_validation_exclusions() - {"case"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)


class ChargeForm(VersionedModelForm):
    """A charge against one defendant; the view sets the party on the instance."""

    class Meta:
        model = Charge
        fields = ["offence", *fuzzy_fields("charged"), "outcome", "notes", "source"]
        widgets = {**fuzzy_widgets("charged"), "notes": forms.Textarea(attrs={"rows": 3})}
        labels = {"charged_on": _("Charged on (day, or any day of the month or year)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offence"].queryset = Offence.objects.order_by("name", "article")

    def validate_constraints(self):
        # "party" is not a form field: check "one charge per offence" all the same.
        exclude = self._get_validation_exclusions() - {"party"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)
