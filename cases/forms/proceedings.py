"""Forms for hearings and trial outcomes."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import access
from cases.models import Hearing, TrialOutcome

from .base import DateTimeInput, VersionedModelForm, fuzzy_fields, fuzzy_widgets


def user_label(user) -> str:
    return user.get_full_name() or user.get_username()


def field_monitors(*, keep=None):
    """Return the active users in the field-monitor role, plus ``keep`` (a current choice)."""
    users = Q(groups__name=access.ROLE_MONITOR, is_active=True)
    if keep is not None:
        users |= Q(pk=keep)
    return (
        get_user_model()
        .objects.filter(pk__in=get_user_model().objects.filter(users).values("pk"))
        .order_by("first_name", "last_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_label(obj)


class DomainErrorsMixin:
    """Show a model rule about a field the form lacks at the top, instead of raising ValueError."""

    def add_error(self, field, error):
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            remapped: dict[str, list] = {}
            for name, errors in error.error_dict.items():
                key = name if name in self.fields else NON_FIELD_ERRORS
                remapped.setdefault(key, []).extend(errors)
            error = ValidationError(remapped)
        super().add_error(field, error)


class HearingForm(DomainErrorsMixin, VersionedModelForm):
    """Schedule a hearing: when, where, what kind, who attends."""

    class Meta:
        model = Hearing
        fields = ["kind", "court", "scheduled_at", "time_known", "monitor", "source"]
        widgets = {"scheduled_at": DateTimeInput()}
        field_classes = {"monitor": UserChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["monitor"].queryset = field_monitors(keep=self.instance.monitor_id)


class HearingOutcomeForm(HearingForm):
    """Record what happened at a hearing; the schedule stays editable below."""

    class Meta(HearingForm.Meta):
        fields = [
            "status",
            "held_at",
            "outcome",
            "next_hearing_at",
            *HearingForm.Meta.fields,
        ]
        widgets = {
            **HearingForm.Meta.widgets,
            "held_at": DateTimeInput(),
            "next_hearing_at": DateTimeInput(),
            "outcome": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "next_hearing_at": _("For an adjournment: the next hearing is scheduled for you."),
        }


class TrialOutcomeForm(DomainErrorsMixin, VersionedModelForm):
    """The verdict and sentence of one defendant at one instance; the defendant is fixed."""

    class Meta:
        model = TrialOutcome
        fields = [
            "instance",
            "court",
            "verdict",
            *fuzzy_fields("verdict"),
            "in_absentia",
            "sentence_months",
            "suspended_months",
            "life_sentence",
            "supervision_months",
            "fine_amount",
            "fine_currency",
            "damages_amount",
            "damages_currency",
            "damages_to",
            "other_penalties",
            *fuzzy_fields("appeal_filed"),
            "appealed_by",
            "notes",
            "source",
        ]
        widgets = {
            **fuzzy_widgets("verdict", "appeal_filed"),
            "other_penalties": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        # Two fuzzy dates on one form: say which date each precision and end belong to.
        labels = {
            "verdict_precision": _("Verdict date: precision"),
            "verdict_until": _("Verdict date: last possible day"),
            "appeal_filed_precision": _("Appeal date: precision"),
            "appeal_filed_until": _("Appeal date: last possible day"),
        }

    def clean(self):
        cleaned = super().clean()
        instance = cleaned.get("instance")
        party_id = self.instance.party_id
        if instance and party_id:
            taken = TrialOutcome.objects.filter(party_id=party_id, instance=instance).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                # The form has no party field, so the unique constraint is not checked for us.
                self.add_error(
                    "instance", _("This defendant already has an outcome at this instance.")
                )
        return cleaned
