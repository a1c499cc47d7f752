"""Refuse to serve with the development secret key when DEBUG is off."""


def refuse_insecure_secret_key() -> None:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.INSECURE_SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DEMO_MODE=1 for a local demo)."
        )
