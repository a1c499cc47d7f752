"""Forms for detentions, their extension orders, and the release and next-stage actions."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.dates import Precision
from cases.models import CaseParty, Detention, DetentionExtension, DetentionFacility, Person

from .base import DateInput, DateTimeInput, VersionedModelForm, fuzzy_fields, fuzzy_widgets


def _label_people_for(field: forms.ModelChoiceField, user) -> None:
    """Show each person as this user may see them: the pseudonym for protected identities."""
    field.label_from_instance = lambda person: person.label_for(user)


class DetentionForm(VersionedModelForm):
    """A detention in a case: the person must already be a party to that case."""

    class Meta:
        model = Detention
        fields = [
            "person",
            "kind",
            "facility",
            *fuzzy_fields("started"),
            "arrested_at",
            "custody_arrival_at",
            *fuzzy_fields("ended"),
            "end_reason",
            "conditions",
            "ill_treatment_alleged",
            "ill_treatment_notes",
            "source",
        ]
        widgets = {
            **fuzzy_widgets("started", "ended"),
            "arrested_at": DateTimeInput(),
            "custody_arrival_at": DateTimeInput(),
            "conditions": forms.Textarea(attrs={"rows": 3}),
            "ill_treatment_notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "started_on": _("Started (day, or any day of the month or year)"),
            "started_precision": _("How precisely the start is known"),
            "started_until": _("Started at the latest on"),
            "ended_on": _("Ended (empty while ongoing)"),
            "ended_precision": _("How precisely the end is known"),
            "ended_until": _("Ended at the latest on"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.instance.case
        person = self.fields["person"]
        if case is None:
            # A detention recorded outside any case keeps its person.
            person.queryset = Person.objects.filter(pk=self.instance.person_id)
        else:
            in_case = CaseParty.objects.filter(case=case, person=OuterRef("pk"))
            person.queryset = Person.objects.filter(
                Q(Exists(in_case)) | Q(pk=self.instance.person_id)
            )
            person.help_text = format_html(
                '{} <a href="{}">{}</a>',
                _("Only the people who are parties to this case are listed."),
                reverse("cases:party-create", args=[case.pk]),
                _("Add the person to the case first."),
            )
        _label_people_for(person, user)
        self.fields["facility"].queryset = DetentionFacility.objects.all()


class DetentionExtensionForm(VersionedModelForm):
    class Meta:
        model = DetentionExtension
        fields = [
            "ordered_on",
            "months",
            "days",
            "hours",
            "ordered_by",
            "document",
            "notes",
            "source",
        ]
        widgets = {"ordered_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}


class DetentionReleaseForm(forms.Form):
    """End an ongoing detention: when, how precisely known, and why."""

    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    ended_precision = forms.ChoiceField(
        label=_("How precisely is the day known?"),
        choices=[
            (Precision.DAY, Precision.DAY.label),
            (Precision.MONTH, Precision.MONTH.label),
            (Precision.YEAR, Precision.YEAR.label),
        ],
        initial=Precision.DAY,
    )
    end_reason = forms.ChoiceField(
        label=_("Reason"),
        # The next stage of a detention is recorded with the other form, which opens it.
        choices=[("", "---------")]
        + [c for c in Detention.EndReason.choices if c[0] != Detention.EndReason.NEXT_STAGE],
    )


class DetentionTransitionForm(forms.Form):
    """Move a detainee to the next stage: police custody to pretrial, pretrial to sentence."""

    kind = forms.ChoiceField(label=_("Next stage"))
    started_on = forms.DateField(label=_("From"), widget=DateInput())
    facility = forms.ModelChoiceField(
        label=_("Facility"), queryset=DetentionFacility.objects.all(), required=False
    )

    def __init__(self, *args, detention: Detention, **kwargs):
        kwargs.setdefault("initial", {"facility": detention.facility_id})
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "---------")] + [
            c for c in Detention.Kind.choices if c[0] != detention.kind
        ]
