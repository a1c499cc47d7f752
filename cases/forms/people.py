"""Forms for people."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Person

from .base import VersionedModelForm, fuzzy_fields, fuzzy_widgets


class PersonForm(VersionedModelForm):
    class Meta:
        model = Person
        fields = [
            "name",
            "name_khmer",
            "aliases",
            "sex",
            *fuzzy_fields("birth"),
            "nationality",
            "roles",
            "is_named",
            "group",
            "is_protected",
            "pseudonym",
            "contact",
            "notes",
            "source",
        ]
        widgets = {
            **fuzzy_widgets("birth"),
            "roles": forms.CheckboxSelectMultiple,
            "aliases": forms.Textarea(attrs={"rows": 2}),
            "contact": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"birth_on": _("Born (day, or any day of the month or year)")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.instance
        if user is not None and person.pk and person.is_protected:
            from cases import access

            if not access.sees_protected_identities(user):
                # Neither shown nor changeable: the real identity, and the protection itself.
                for name in (*Person.protected_identity_fields, "is_protected", "pseudonym"):
                    self.fields.pop(name, None)

    def duplicate_probe(self) -> dict:
        """Return what the duplicate check compares: the names and the known facts."""
        person = self.instance  # filled from the cleaned data by the model form's validation
        return {
            "name": person.name if person.is_named else "",
            "aliases": person.aliases,
            "name_khmer": person.name_khmer,
            "sex": person.sex,
            "birth_on": person.birth_on,
            "birth_until": person.birth_until,
        }
