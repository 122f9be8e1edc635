"""Personas for every kind of user, so that access tests read naturally."""

import pytest
from django.db import connection

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.organisms.factories import MembershipFactory, OrganismFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` need PostgreSQL's features (stemming, ranking, trigrams)."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI runs it there")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits (allauth) live in the cache: each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def open_data_root(settings, tmp_path_factory):
    """Each test publishes its open data files in a folder of its own."""
    settings.OPEN_DATA_ROOT = str(tmp_path_factory.mktemp("open-data"))


@pytest.fixture
def organism_a(db):
    return OrganismFactory(usual_name="Académie du code Créteil")


@pytest.fixture
def organism_b(db):
    return OrganismFactory(usual_name="Fabrique digitale Meaux")


@pytest.fixture
def jobseeker(db):
    return UserFactory(kind=User.Kind.JOBSEEKER, email="demandeur@example.org")


@pytest.fixture
def adviser(db):
    return UserFactory(adviser=True, email="conseiller@francetravail.fr")


@pytest.fixture
def member_a(organism_a):
    return MembershipFactory(organism=organism_a, user__email="membre-a@example.org").user


@pytest.fixture
def member_b(organism_b):
    return MembershipFactory(organism=organism_b, user__email="membre-b@example.org").user


@pytest.fixture
def region_agent(db):
    return UserFactory(region_agent=True, is_superuser=True, email="agent@region.example.org")
