"""The search index kept by each process follows every write, whatever its path, without a full rebuild on
PostgreSQL (the change log, ADR 0011) and with one on SQLite (the version token); its facet counts stay exact."""

import random
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from catalogue.models import Commune, Department, SearchChange, SearchIndexVersion
from catalogue.search import index
from catalogue.search.engine import Query, search
from catalogue.search.index import build_columns, columns, index_alias, store_for
from sessions.models import TrainingSession
from tests.catalogue.factories import DepartmentFactory
from tests.catalogue.search_catalogue import WRITE_KINDS, contents, random_write, varied_catalogue
from tests.catalogue.test_search_facets import APPLY
from tests.sessions.factories import TrainingSessionFactory

POSTGRESQL = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the change log is PostgreSQL's")


def store():
    return store_for(index_alias())


def kept_equals_fresh(today):
    kept, fresh = contents(columns(today)), contents(build_columns(today))
    assert kept[0] == fresh[0], "sessions"
    assert kept[1] == fresh[1], "actions"
    return kept


def facets_are_exact(today, queries):
    """Each option's count is the total with that option applied (tests/catalogue/test_search_facets.py)."""
    checked = 0
    for query in queries:
        outcome = search(query, today=today)
        for group, counts in outcome.facets.items():
            if group == "label_slug":
                continue  # by programme id: checked in test_search_facets
            for value, count in counts.items():
                if group == "departement" and query.origin is not None:
                    continue
                assert search(APPLY[group](query, value), today=today).total == count, (query, group, value)
                checked += 1
    return checked


@pytest.mark.django_db(transaction=True)
def test_after_a_stream_of_random_writes_the_index_is_the_catalogue_and_facets_are_exact():
    rng = random.Random(12)
    varied_catalogue(rng)
    today = timezone.localdate()
    kept_equals_fresh(today)
    builds = store().builds
    done = []
    for step in range(96):
        done.append(random_write(rng, step if step < WRITE_KINDS else None))  # every kind once, then at random
        if step % 3 == 2:
            sessions, _ = kept_equals_fresh(today)
            assert sessions
    assert len(set(done)) == WRITE_KINDS
    if connection.vendor == "postgresql":
        assert store().builds == builds, "PostgreSQL applies the changes without rebuilding"
        assert store().applied > 90
    creteil = Commune.objects.get(code="94028")
    queries = [
        Query(),
        Query(publics=["qpv", "16-25-ans"], free=True),
        Query(axes=["hybride", "distance"], origin=(creteil.latitude, creteil.longitude), radius_km=20, weeks=12),
        Query(funders=["region", "cpf"], registration_open=True),
        Query(department="93", level="4", include_undated=True, places=True),
    ]
    assert facets_are_exact(today, queries) > 100


@pytest.mark.django_db
def test_a_write_rolled_back_leaves_the_index_as_it_was():
    """Searches inside a transaction see its own writes; once it is rolled back they are gone (the change log keeps
    the changes of unfinished transactions in view, and reapplies those that vanished)."""
    today = timezone.localdate()
    session = TrainingSessionFactory()
    assert search(Query(), today=today).total == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        TrainingSessionFactory()
        TrainingSession.objects.filter(pk=session.pk).update(places_left=0)
        assert search(Query(), today=today).total == 2
        assert search(Query(places=True), today=today).total == 1
        raise RuntimeError("rolled back")
    assert search(Query(), today=today).total == 1
    assert search(Query(places=True), today=today).total == 1
    kept_equals_fresh(today)


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_the_triggers_log_each_statement_and_rebuild_on_reference_data_or_mass_writes():
    action_session = TrainingSessionFactory()
    department = DepartmentFactory()
    today = timezone.localdate()
    columns(today)
    SearchChange.objects.all().delete()
    TrainingSession.objects.filter(pk=action_session.pk).update(places_left=1)
    TrainingSession.objects.filter(pk=action_session.pk).update(places_left=2)
    logged = list(SearchChange.objects.order_by("seq").values_list("kind", "row_id"))
    assert logged == [("S", action_session.pk), ("S", action_session.pk)]

    builds = store().builds
    Department.objects.filter(pk=department.pk).update(name="Renommé")
    assert SearchChange.objects.filter(kind="R").count() == 1
    assert columns(today).department_options[0][1] == "Renommé"
    assert store().builds == builds + 1

    SearchChange.objects.all().delete()
    Department.objects.update(name="Renommé")  # no row really changed: nothing to rebuild
    assert not SearchChange.objects.exists()

    rows = TrainingSession.objects.bulk_create(
        [TrainingSession(action=action_session.action, is_published=True, is_remote=True) for _ in range(1001)]
    )
    assert SearchChange.objects.filter(kind="R").count() == 1  # one marker, not 1,001 ids
    assert search(Query(include_undated=True), today=today).total == 1
    assert len(rows) == 1001


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_a_process_behind_the_pruned_log_rebuilds():
    TrainingSessionFactory()
    today = timezone.localdate()
    columns(today)
    builds = store().builds
    TrainingSessionFactory()
    SearchIndexVersion.objects.update_or_create(pk=1, defaults={"token": "x"})
    SearchChange.objects.update(changed_at=timezone.now() - timedelta(days=2))
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalogue_prune_search_changes(interval '1 day')")
    assert not SearchChange.objects.exists()
    assert SearchIndexVersion.objects.get(pk=1).pruned_below > 0
    assert search(Query(), today=today).total == 2
    assert store().builds == builds + 1


@POSTGRESQL
@pytest.mark.django_db
def test_a_new_day_drops_the_ended_sessions_without_reading_the_catalogue(django_assert_num_queries):
    today = timezone.localdate()
    TrainingSessionFactory(start_date=today - timedelta(days=3), end_date=today)
    TrainingSessionFactory()
    assert search(Query(), today=today).total == 2
    columns(today)
    tomorrow = today + timedelta(days=1)
    with django_assert_num_queries(1):  # the change log
        columns(tomorrow)
    assert search(Query(), today=tomorrow).total == 1
    assert contents(columns(tomorrow)) == contents(build_columns(tomorrow))


def test_the_feed_keeps_in_view_the_changes_of_unfinished_transactions():
    """What a read of the log adds to the window and what it asks to apply (the window's rule, without a database)."""
    changes = index.Changes()
    window = {(1, 10): ("S", 5), (2, 12): ("A", 7)}
    current = {(2, 12): ("A", 7), (3, 11): ("S", 6)}  # 1 rolled back, 3 committed by an older transaction
    for key in current.keys() - window.keys():
        changes.add(*current[key])
    for key in window.keys() - current.keys():
        changes.add(*window[key])
    assert (changes.sessions, changes.actions, changes.rebuild) == ({5, 6}, set(), False)
    changes.add("R", 0)
    assert changes.rebuild


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_the_change_log_is_read_at_most_so_often_but_a_transaction_sees_its_own_writes(settings):
    """SEARCH_CHANGES_SECONDS (production: 0.1 s): a committed write shows within that time, not at once; inside a
    transaction the log is read before every search, so its own writes show at once."""
    settings.SEARCH_CHANGES_SECONDS = 0.5
    store().read_at = float("-inf")  # whatever an earlier test left: the interval starts at the next read
    today = timezone.localdate()
    TrainingSessionFactory()
    assert search(Query(), today=today).total == 1
    TrainingSessionFactory()
    assert search(Query(), today=today).total == 1  # read less than 0.5 s ago
    with transaction.atomic():
        assert search(Query(), today=today).total == 2  # in a transaction: read again
        TrainingSessionFactory()
        assert search(Query(), today=today).total == 3
    time.sleep(0.6)
    assert search(Query(), today=today).total == 3
    with pytest.raises(RuntimeError), transaction.atomic():
        TrainingSessionFactory()
        assert search(Query(), today=today).total == 4
        raise RuntimeError("rolled back")
    assert search(Query(), today=today).total == 3  # at once: a read that applied uncommitted rows is not trusted
