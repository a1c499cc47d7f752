"""System checks: refuse a deployment that would run on the development secret key."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    if getattr(settings, "INSECURE_SECRET_KEY", False):
        return [
            Error(
                "DJANGO_SECRET_KEY is not set and DJANGO_DEBUG is off.",
                hint="Set DJANGO_SECRET_KEY, or DEMO_MODE=1 for a local demo.",
                id="cases.E001",
            )
        ]
    return []
