"""Forms for follow-ups."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import CaseParty, Detention, FollowUp, Person

from .base import DateInput, VersionedModelForm, fuzzy_fields, fuzzy_widgets
from .proceedings import DomainErrorsMixin, UserChoiceField


def followup_owners(*, keep=None):
    """Return the active users who may take charge of a follow-up, plus ``keep``."""
    User = get_user_model()
    users = Q(pk__in=User.objects.with_perm("cases.change_followup").values("pk"))
    if keep is not None:
        users |= Q(pk=keep)
    return User.objects.filter(users).order_by("first_name", "last_name", "username")


def detention_label(detention, user) -> str:
    return gettext("%(kind)s — %(person)s, from %(started)s") % {
        "kind": detention.get_kind_display(),
        "person": detention.person.label_for(user),
        "started": detention.started,
    }


class FollowUpForm(DomainErrorsMixin, VersionedModelForm):
    """A follow-up of one case; its person and detention are chosen among the case's own."""

    class Meta:
        model = FollowUp
        fields = [
            "kind",
            "description",
            "person",
            "detention",
            "facility",
            "addressed_to",
            "due_on",
            "owner",
            "status",
            *fuzzy_fields("done"),
            "response",
            "source",
        ]
        widgets = {
            **fuzzy_widgets("done"),
            "due_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"owner": UserChoiceField}
        labels = {
            "done_precision": _("Done on: precision"),
            "done_until": _("Done on: last possible day"),
        }
        help_texts = {
            "done_on": _(
                "Needed once the follow-up is done. For a month or a year, any day in it; "
                "the precision says which."
            )
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        case_id = self.instance.case_id
        parties = CaseParty.objects.filter(case_id=case_id, person__isnull=False).values("person")
        # Name people as this user may see them: a protected identity shows its pseudonym.
        person = self.fields["person"]
        person.queryset = Person.objects.filter(Q(pk__in=parties) | Q(pk=self.instance.person_id))
        person.label_from_instance = lambda obj: obj.label_for(user)
        detention = self.fields["detention"]
        # A detention deleted since stays selectable for the follow-up that names it, so that
        # saving the follow-up does not fail on (or silently drop) that link.
        live = Q(case_id=case_id, deleted_at__isnull=True)
        detention.queryset = Detention.all_objects.filter(
            live | Q(pk=self.instance.detention_id)
        ).select_related("person")
        detention.label_from_instance = lambda obj: detention_label(obj, user)
        self.fields["owner"].queryset = followup_owners(keep=self.instance.owner_id)
