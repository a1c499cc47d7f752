"""The observation page is one form: logistics, the checklist, what happened, attachments."""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.base import BoundedDateTimeField, DateTimeInput, VersionedModelForm
from cases.models import Hearing

from .attachments import ACCEPT, check_upload
from .models import Answer, ChecklistItem, FairnessAssessment, Observation, Verdict


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class ObservationForm(forms.ModelForm):
    """Logistics and what happened; every field optional while a draft."""

    draft_seq = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**62
    )
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Observation
        fields = [
            "started_at",
            "ended_at",
            "judges",
            "prosecutor",
            "defence_counsel",
            "defendants_present",
            "monitor_access",
            "public_access",
            "media_access",
            "security_presence",
            "result",
            "next_hearing_at",
            "summary",
        ]
        widgets = {
            "started_at": TimeInput(),
            "ended_at": TimeInput(),
            "next_hearing_at": DateTimeInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "monitor_access": forms.RadioSelect,
            "public_access": forms.RadioSelect,
            "media_access": forms.RadioSelect,
            "result": forms.RadioSelect,
        }
        field_classes = {"next_hearing_at": BoundedDateTimeField}
        help_texts = {
            "summary": _("What happened, and why if the hearing was adjourned."),
            "next_hearing_at": _("When the court adjourned to, if it said."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("monitor_access", "public_access", "media_access", "result"):
            # A radio group without an empty choice: an unanswered group sends nothing.
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]

    def clean(self):
        cleaned = super().clean()
        started, ended = cleaned.get("started_at"), cleaned.get("ended_at")
        if started and ended and ended < started:
            self.add_error("ended_at", _("The hearing cannot end before it started."))
        return cleaned


class ChecklistForm(forms.Form):
    """One radio group and one note per checklist item, named by the item's id."""

    def __init__(self, *args, items: list[ChecklistItem], answers: dict[int, Answer], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        verdicts = list(Verdict.choices)
        for item in items:
            answer = answers.get(item.pk)
            self.fields[f"item-{item.pk}"] = forms.ChoiceField(
                label=item.label,
                choices=verdicts,
                required=False,
                widget=forms.RadioSelect,
                initial=answer.verdict if answer else "",
                help_text=item.standard,
            )
            self.fields[f"note-{item.pk}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=answer.note if answer else "",
            )

    def answers(self) -> dict[int, tuple[str, str]]:
        """Return {item id: (verdict, note)} for the items whose fields are valid."""
        data = getattr(self, "cleaned_data", {})
        return {
            item.pk: (data.get(f"item-{item.pk}", ""), data.get(f"note-{item.pk}", "").strip())
            for item in self.items
            if f"item-{item.pk}" in data and f"note-{item.pk}" in data
        }

    def sections(self):
        """Yield (section label, [(item, verdict field, note field)]) in checklist order."""
        for _section, items in groupby(self.items, key=attrgetter("section")):
            items = list(items)
            rows = [(item, self[f"item-{item.pk}"], self[f"note-{item.pk}"]) for item in items]
            yield items[0].get_section_display(), rows


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that takes several files (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class AttachmentForm(forms.Form):
    """Optional files sent with the observation; refused by their bytes, never by their name."""

    MAX_FILES = 10

    files = MultipleFileField(label=_("Add photos, audio notes or PDFs"), required=False)

    def clean_files(self):
        uploads = self.cleaned_data.get("files") or []
        if len(uploads) > self.MAX_FILES:
            raise forms.ValidationError(
                _("Send at most %(count)s files at a time."), params={"count": self.MAX_FILES}
            )
        checked, errors = [], []
        for upload in uploads:
            try:
                checked.append((upload, *check_upload(upload)))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return checked


class QuickHearingForm(forms.ModelForm):
    """The next hearing of a case in two fields: when, and what kind."""

    class Meta:
        model = Hearing
        fields = ["scheduled_at", "kind"]
        widgets = {"scheduled_at": DateTimeInput()}
        field_classes = {"scheduled_at": BoundedDateTimeField}
        labels = {"scheduled_at": _("Next hearing on")}


class FairnessAssessmentForm(VersionedModelForm):
    """A supervisor's grade of the whole trial, with the reasoning."""

    class Meta:
        model = FairnessAssessment
        fields = ["grade", "reasoning"]
        widgets = {"grade": forms.RadioSelect, "reasoning": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [c for c in self.fields["grade"].choices if c[0]]
