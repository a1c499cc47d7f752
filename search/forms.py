from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .search import MAX_LENGTH, MAX_WORDS, MIN_LENGTH, Query


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search people and cases"))

    def clean_q(self) -> Query:
        query = Query.parse(self.cleaned_data["q"])
        length = len(query.text)
        if length < MIN_LENGTH:
            raise forms.ValidationError(
                ngettext(
                    "Type at least %(min)d character.",
                    "Type at least %(min)d characters.",
                    MIN_LENGTH,
                )
                % {"min": MIN_LENGTH},
                code="too_short",
            )
        if length > MAX_LENGTH:
            raise forms.ValidationError(
                _("Type at most %(max)d characters (this has %(length)d).")
                % {"max": MAX_LENGTH, "length": length},
                code="too_long",
            )
        if len(query.words) > MAX_WORDS:
            raise forms.ValidationError(
                _("Use at most %(max)d words.") % {"max": MAX_WORDS}, code="too_many_words"
            )
        return query
