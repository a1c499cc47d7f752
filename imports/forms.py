"""The upload form: what the file holds and the file, checked as far as it can be at once."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .files import FileRefused, Limits, format_of, read_table
from .kinds import KINDS

ACCEPT = ",".join(
    [
        ".csv",
        ".xlsx",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]
)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file lists"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind.key, kind.label) for kind in KINDS.values() if kind.may_import(user)
        ]
        limits = Limits.from_settings()
        self.fields["file"].help_text = _(
            "CSV UTF-8 with commas, or .xlsx (the first sheet is read). At most %(size)s and "
            "%(rows)s rows. Nothing is written until you have seen the check and confirmed."
        ) % {"size": filesizeformat(limits.max_bytes), "rows": f"{limits.max_rows:,}"}

    def clean(self):
        """Refuse at once what makes the whole file unusable: format, encoding, columns."""
        cleaned = super().clean()
        upload, kind = cleaned.get("file"), cleaned.get("kind")
        if upload is None or kind is None:
            return cleaned
        limits = Limits.from_settings()
        try:
            if upload.size > limits.max_bytes:
                raise FileRefused(
                    _("The file is larger than %(size)s: split it into smaller files.")
                    % {"size": filesizeformat(limits.max_bytes)}
                )
            head = upload.read(8)
            upload.seek(0)
            cleaned["file_format"] = format_of(upload.name or "", head)
            table = read_table(upload, cleaned["file_format"], limits)
            try:
                KINDS[kind].positions(table.header)
            finally:
                table.rows.close()  # an XLSX reader holds the workbook open until closed
        except FileRefused as refused:
            for message in refused.messages:
                self.add_error("file", message)
        finally:
            upload.seek(0)
        return cleaned
