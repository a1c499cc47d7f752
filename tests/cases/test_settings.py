"""The development secret key is refused when serving with DEBUG off."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases.checks import secret_key_is_set
from monitoring.security import refuse_insecure_secret_key


def test_deploy_check_and_wsgi_refuse_the_development_key(settings):
    settings.INSECURE_SECRET_KEY = True
    assert [error.id for error in secret_key_is_set(None)] == ["cases.E001"]
    with pytest.raises(ImproperlyConfigured):
        refuse_insecure_secret_key()


def test_a_real_key_passes(settings):
    settings.INSECURE_SECRET_KEY = False
    assert secret_key_is_set(None) == []
    refuse_insecure_secret_key()
