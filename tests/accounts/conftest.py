"""Fixtures of the accounts tests."""

import pytest


@pytest.fixture
def require_2fa(settings):
    """Turn REQUIRE_2FA on, as production settings do."""
    settings.REQUIRE_2FA = True
