"""Records for the statistics tests: the report's seed."""

import pytest
from django.core.management import call_command


@pytest.fixture
def seed(db):
    """Load the report's documented cases, as tests/cases/test_seed.py does."""
    call_command("loaddata", "report_cases", verbosity=0)
