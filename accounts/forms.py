"""Forms of the security pages: a second-factor code, the password to end other sessions."""

from __future__ import annotations

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import two_factor


def code_field(*, label: str, help_text: str, digits_only: bool) -> forms.CharField:
    """Return a field for a one-time code, as phones' keyboards and password managers expect."""
    attrs = {
        "autocomplete": "one-time-code",
        "autocapitalize": "off",
        "spellcheck": "false",
        "autofocus": True,
        "inputmode": "numeric" if digits_only else "text",
    }
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=32,
        widget=forms.TextInput(attrs=attrs),
    )


def refusal(verification: two_factor.Verification) -> str:
    """Return why a code was refused, with when to retry after too many wrong codes."""
    if verification.retry_at:
        at = formats.time_format(timezone.localtime(verification.retry_at), "H:i:s")
        return _("Too many wrong codes. Wait until %(time)s, then try again.") % {"time": at}
    return _("This code is not valid. Check the time on your phone and try the newest code.")


class VerifyCodeForm(forms.Form):
    """Check a code from the user's app, or one of their backup codes (used up)."""

    code = code_field(
        label=gettext_lazy("Code"),
        help_text=gettext_lazy(
            "The 6-digit code your authenticator app shows now, or one of your backup codes."
        ),
        digits_only=False,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self) -> str:
        verification = two_factor.verify(self.user, self.cleaned_data["code"])
        if not verification:
            raise forms.ValidationError(refusal(verification), code="invalid")
        self.device = verification.device
        return self.cleaned_data["code"]


class ConfirmAppForm(forms.Form):
    """Confirm a new authenticator app with the first code it shows."""

    code = code_field(
        label=gettext_lazy("Code from your app"),
        help_text=gettext_lazy("The 6-digit code the app shows after you added the account."),
        digits_only=True,
    )

    def __init__(self, *args, device, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        verification = two_factor.confirm_totp(self.device, self.cleaned_data["code"])
        if not verification:
            raise forms.ValidationError(refusal(verification), code="invalid")
        self.device = verification.device
        return self.cleaned_data["code"]


class PasswordCheckForm(forms.Form):
    """Ask for the user's current password before a sensitive change."""

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."), code="invalid")
        return password
