"""The development secret key is refused when serving with DEBUG off."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from monitoring.security import refuse_insecure_secret_key


def test_check_refuses_the_development_key(settings):
    settings.INSECURE_SECRET_KEY = True
    with pytest.raises(SystemCheckError, match="cases.E001"):
        call_command("check")
    with pytest.raises(ImproperlyConfigured):
        refuse_insecure_secret_key()


def test_check_passes_with_a_real_key(settings):
    settings.INSECURE_SECRET_KEY = False
    call_command("check")
    refuse_insecure_secret_key()
