"""One authentication backend: Django's model backend behind Axes' lockout check."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class LockoutModelBackend(AxesStandaloneBackend, ModelBackend):
    """Refuse a locked-out username and address, then check the password as Django does.

    A single backend rather than Axes' usual pair (its backend, then ModelBackend): with two,
    ``User.objects.with_perm()``, which the case forms use to list users, needs a backend named.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ):
        super().authenticate(request, username=username, password=password, **kwargs)
        return ModelBackend.authenticate(
            self, request, username=username, password=password, **kwargs
        )
