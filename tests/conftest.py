"""Personas for every kind of user, so that access tests read naturally; one shared demo catalogue per test session.

The shared catalogue
--------------------
Reference data (places of all of France: about ten seconds to load) and the demo catalogue (a few seconds to seed)
are built once per test session, not once per module or per test. Most tests count what they build with factories and need an EMPTY catalogue, so
the shared data must never be visible to them. The mechanism:

1. `reference_data` and `demo_catalogue` are the only way in. Behind them, two session-scoped fixtures open ONE
   outer transaction (`transaction.atomic()`) on the default connection, load the reference data (all of France)
   in it, then seed the demo catalogue (`DEMO_SESSIONS` sessions, seed `DEMO_SEED`, built around the real current day so
   that the freshness rules keep their meaning as time passes) in the same transaction. Nothing is ever committed.
2. Each test that uses them also has pytest-django's `db`: its `TestCase` atomics nest inside the outer transaction
   as savepoints, so each test's own changes are rolled back and the next test sees the shared catalogue intact.
3. `pytest_collection_modifyitems` (trylast, after pytest-django's own ordering) runs every test that uses the
   shared data together, in this order: the tests on an empty database and those without a database, then the
   tests that need the reference data only, then those that need the demo catalogue, and the transactional tests
   (live server, browser, `transactional_db`) last; within each group, the order pytest-django gave.
4. `pytest_runtest_teardown` rolls the outer transaction back as soon as the next test does not use the shared
   data (or the session ends): the transactional tests that follow run on the empty database they expect, and
   their table flush never happens inside the outer transaction.
5. Guards: a test that asks for the shared data together with `transactional_db`, `live_server` or
   `django_db(transaction=True)` is refused at collection (it could not see uncommitted data, and its flush would
   empty the shared tables); a test that asks for the shared data after the outer transaction was rolled back (an
   ordering broken by some other plugin) fails with that reason, and nothing is ever seeded outside it.

Tests that need a fixed day or a particular seed (determinism) still seed their own small catalogue in their own
test transaction; `seed_demo` empties the catalogue first, and the test's rollback gives the shared one back.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from pytest_django.fixtures import validate_django_db

from accounts.models import User
from catalogue.reference_data import load_reference_data
from demo.builder import DemoReport, seed_demo
from tests.accounts.factories import UserFactory
from tests.organisms.factories import MembershipFactory, OrganismFactory

# The shared demo catalogue: the size the demo module's counts pin (2000 sessions, 500 actions); seed 7.
DEMO_SESSIONS = 2000
DEMO_SEED = 7

REFERENCE_FIXTURE = "_shared_reference_data"
DEMO_FIXTURE = "_shared_demo_catalogue"


@dataclass(frozen=True)
class DemoCatalogue:
    """What the shared demo catalogue was built from, for the tests that read it."""

    report: DemoReport
    today: date


class OuterTransaction:
    """The one transaction, opened by the shared fixtures and rolled back after the last test that uses it."""

    def __init__(self):
        self.atomic = None
        self.blocker = None
        self.closed = False

    @property
    def is_open(self) -> bool:
        return self.atomic is not None

    def begin(self, blocker) -> None:
        if self.closed:
            raise RuntimeError("the shared catalogue was already rolled back: its tests must run together")
        self.blocker = blocker
        with blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

    def rollback(self) -> None:
        if self.atomic is None:
            return
        atomic, self.atomic, self.closed = self.atomic, None, True
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    def check(self) -> None:
        if not self.is_open:
            pytest.fail("the shared catalogue was already rolled back: some plugin broke the order of the tests")


OUTER = OuterTransaction()


def shared_level(item) -> int:
    """0: does not use the shared data; 1: reference data only; 2: the demo catalogue."""
    names = getattr(item, "fixturenames", ())
    return 2 if DEMO_FIXTURE in names else 1 if REFERENCE_FIXTURE in names else 0


def is_transactional(item) -> bool:
    names = getattr(item, "fixturenames", ())
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    transactional, reset_sequences, *_ = validate_django_db(marker)
    return bool(transactional or reset_sequences)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Skip `postgresql` tests on SQLite; run the tests on the shared catalogue together (module docstring)."""
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI runs it there")
        for item in items:
            if "postgresql" in item.keywords:
                item.add_marker(skip)

    def group(item) -> int:
        level = shared_level(item)
        if level and is_transactional(item):
            raise pytest.UsageError(
                f"{item.nodeid}: the shared reference data and demo catalogue live in a transaction that is never "
                "committed; a transactional test (live server, transactional_db) cannot use them."
            )
        return level or (3 if is_transactional(item) else 0)

    items.sort(key=group)  # stable: collection order (and pytest-django's) within each group


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test on the shared data, its own rollback done, roll the outer transaction back."""
    try:
        return (yield)
    finally:
        if OUTER.is_open and (nextitem is None or not shared_level(nextitem)):
            OUTER.rollback()


@pytest.fixture(scope="session")
def _shared_reference_data(django_db_setup, django_db_blocker):
    OUTER.begin(django_db_blocker)
    try:
        with django_db_blocker.unblock():
            report = load_reference_data()
    except BaseException:
        OUTER.rollback()
        raise
    yield report
    OUTER.rollback()


@pytest.fixture(scope="session")
def _shared_demo_catalogue(_shared_reference_data, django_db_blocker) -> DemoCatalogue:
    OUTER.check()  # never seed outside the outer transaction: that would commit the catalogue
    today = timezone.localdate()
    with django_db_blocker.unblock():
        report = seed_demo(sessions=DEMO_SESSIONS, seed=DEMO_SEED, today=today)
    return DemoCatalogue(report=report, today=today)


@pytest.fixture
def reference_data(_shared_reference_data, db):
    """The reference data (all of France, the home region being 11), loaded once per session; the `LoadReport` of
    that first load."""
    OUTER.check()
    return _shared_reference_data


@pytest.fixture
def demo_catalogue(_shared_demo_catalogue, reference_data):
    """The demo catalogue shared by the session (`DEMO_SESSIONS`, `DEMO_SEED`, built around `.today`)."""
    return _shared_demo_catalogue


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits (allauth) live in the cache: each test starts with none used."""

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
