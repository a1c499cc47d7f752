"""The language of the interface: a user's saved choice, or the browser's.

Anonymous users (the login page) keep Django's choice: the language cookie, then the browser's
``Accept-Language``. A logged-in user's saved language wins over both. It is read once per
session, at login, and kept in the session, so pages cost no query for it; a session from
before the setting existed reads it on its first request.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

import audit

from .models import AccountSettings, language_choices

SESSION_KEY = "accounts.language"  # the saved language; "" when the user chose none

GetResponse = Callable[[HttpRequest], HttpResponse]


def supported(language: str) -> str:
    """Return the code of the interface's language for ``language``, "" when there is none."""
    if not language:
        return ""
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return ""


def saved_language(user) -> str:
    """Return the language the user saved, "" when they keep the browser's (one query)."""
    language = AccountSettings.objects.filter(user=user).values_list("language", flat=True).first()
    return supported(language or "")


def remember(session: SessionBase, language: str) -> None:
    """Keep the user's saved language in the session, for the pages to come."""
    session[SESSION_KEY] = language


def session_language(request: HttpRequest) -> str:
    """Return the logged-in user's saved language ("" for none), reading it at most once."""
    language = request.session.get(SESSION_KEY)
    if language is None:  # a session from before the setting: read it once
        language = saved_language(request.user)
        remember(request.session, language)
    return language


def save_language(*, user, language: str) -> AccountSettings:
    """Save the user's language ("": the browser's) and record the change in the audit trail."""
    row, _created = AccountSettings.objects.get_or_create(user=user)
    before = row.language
    if before != language:
        row.language = language
        row.full_clean()
        row.save()
        audit.record(
            action="update",
            obj=row,
            actor=user,
            changes={"language": [before, language]},
            detail={"language": language or "browser"},
        )
    return row


def set_cookie(response: HttpResponse, language: str) -> None:
    """Remember the language in this browser (the login page uses it); "" forgets it."""
    if not language:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LanguageForm(forms.Form):
    """The language switch: a language of the interface, or "" for the browser's."""

    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default = [("", _("The browser's language"))]
        self.fields["language"].choices = default + language_choices()


class UserLanguageMiddleware:
    """Speak a logged-in user's saved language; installed after AuthenticationMiddleware.

    ``LocaleMiddleware`` (earlier) has chosen from the cookie and the browser; a saved choice
    replaces it. The language cookie follows the saved choice, so the login page speaks it
    after logging out too.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = ""
        if request.user.is_authenticated:
            language = session_language(request)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        # Unless the view has just set it (the language switch).
        if language and request.COOKIES.get(cookie) != language and cookie not in response.cookies:
            set_cookie(response, language)
        return response
