"""The reminder preferences form."""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundWidget
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import access

from .kinds import AUDIENCES, Audience, Kind
from .models import ReminderPreference


def audience_text(kind: str) -> str:
    """Return who receives a kind, e.g. "Sent to: Supervisors, Assigned monitors"."""
    names = ", ".join(str(Audience(a).label) for a in AUDIENCES.get(kind, ()))
    return gettext("Sent to: %(audiences)s") % {"audiences": names}


class ReminderPreferenceForm(forms.ModelForm):
    """Choose the kinds to receive, e-mail, and (for supervisors) the daily digest."""

    wanted = forms.MultipleChoiceField(
        label=_("Reminders I receive"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick a kind to stop receiving it, in the app and by e-mail."),
    )

    class Meta:
        model = ReminderPreference
        fields = ["email", "daily_digest"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["wanted"].initial = [k for k in Kind.values if self.instance.wants(k)]
        if not user.email:
            self.fields["email"].help_text = _(
                "Your account has no e-mail address: ask an administrator to add one."
            )
        if not self.offers_digest:
            del self.fields["daily_digest"]

    @property
    def offers_digest(self) -> bool:
        """Return True when the user may choose the daily digest (supervisors)."""
        return access.manages_all_cases(self.user)

    def kind_rows(self) -> list[tuple[BoundWidget, str]]:
        """Return each kind's checkbox with who receives that kind."""
        return [(widget, audience_text(widget.data["value"])) for widget in self["wanted"]]

    def save(self, commit: bool = True) -> ReminderPreference:
        """Save the kinds not ticked as muted; no digest for users it is not offered to."""
        preference = super().save(commit=False)
        preference.user = self.user
        wanted = set(self.cleaned_data["wanted"])
        preference.muted_kinds = [k for k in Kind.values if k not in wanted]
        if not self.offers_digest:
            preference.daily_digest = False
        if commit:
            preference.save()
        return preference
