"""Guards of the demo catalogue, on an empty database (no module-wide catalogue here)."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from demo.builder import seed_demo


@pytest.mark.django_db
def test_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    users_before = User.objects.count()
    with pytest.raises(CommandError, match="DEMO_MODE"):
        call_command("seed_demo", sessions=10)
    with pytest.raises(RuntimeError):
        seed_demo(sessions=10, seed=1)
    assert User.objects.count() == users_before


@pytest.mark.django_db
def test_needs_reference_data_first():
    with pytest.raises(CommandError, match="load_reference_data"):
        call_command("seed_demo", sessions=10)
