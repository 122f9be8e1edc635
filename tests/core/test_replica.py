"""The read-replica router against a real streaming replica: public pages read the catalogue from the replica,
everything else (and a person who just wrote) reads the primary, and a lagging replica is left aside until it has
caught up. Run it with `bash scripts/replica.sh test` (a primary and its pg_basebackup -R replica on this machine)."""

import os
import time
from urllib.parse import urlparse

import psycopg2
import pytest
from django.conf import settings
from django.db import connections, router
from django.test.utils import CaptureQueriesContext

from core import replica
from sessions.models import TrainingSession
from tests.catalogue.factories import ActionFactory
from tests.organisms.factories import MembershipFactory
from tests.sessions.factories import TrainingSessionFactory

if "replica" not in settings.DATABASES:
    pytest.skip(
        "needs a streaming replica (DATABASE_REPLICA_URL): run `bash scripts/replica.sh test`",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True, databases=["default", "replica"])]


@pytest.fixture
def standby():
    """The replica connection pointed at the replica server (the test runner made it a mirror of the primary's test
    database: same name, which physical replication copied), and a connection to pause and resume its replay."""
    url = urlparse(os.environ["DATABASE_REPLICA_URL"])
    mirror = connections["replica"]
    mirror.close()
    mirror.settings_dict = {**connections["default"].settings_dict, "HOST": url.hostname, "PORT": url.port}
    control = psycopg2.connect(dbname=mirror.settings_dict["NAME"], user="postgres", host=url.hostname, port=url.port)
    control.autocommit = True
    replica.PROBE.forget()
    yield control
    with control.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    control.close()
    mirror.close()


def on_replica(session_id: int, *, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not TrainingSession.objects.using("replica").filter(pk=session_id).exists():
        assert time.monotonic() < deadline, "not replicated in time"
        time.sleep(0.05)


def served(client, path, **params):
    """The response, and the queries each server answered."""
    replica.PROBE.forget()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as standby,
    ):
        response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode(), queries(primary), queries(standby)


def queries(captured) -> int:
    """Statements sent (transaction control left out: an unused transaction of the request never reaches the
    server)."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return len([q for q in captured.captured_queries if not q["sql"].startswith(control)])


def test_public_reads_go_to_the_replica_and_the_rest_to_the_primary(client, standby):
    session = TrainingSessionFactory(action=ActionFactory(formation__title="Répliquée"))
    on_replica(session.pk)

    html, primary, on_standby = served(client, "/formations/")
    assert "Répliquée" in html
    assert (primary, on_standby > 0) == (0, True)
    html, primary, on_standby = served(client, f"/formations/{session.action.public_id}/")
    assert (primary, on_standby > 0) == (0, True)
    assert router.db_for_write(TrainingSession) == "default"

    member = MembershipFactory(organism=session.action.formation.organism).user
    client.force_login(member)
    _, primary, on_standby = served(client, "/espace-organisme/")
    assert (primary > 0, on_standby) == (True, 0)


def test_after_a_write_a_person_reads_the_primary(client, standby):
    session = TrainingSessionFactory()
    on_replica(session.pk)
    client.post("/formations/")  # any write request (refused here) pins its author to the primary for a while
    assert replica.PIN_COOKIE in client.cookies
    _, primary, on_standby = served(client, "/formations/")
    assert (primary > 0, on_standby) == (True, 0)
    client.cookies[replica.PIN_COOKIE] = str(int(time.time()) - 1)  # the pin has run out
    _, primary, on_standby = served(client, "/formations/")
    assert (primary, on_standby > 0) == (0, True)


def test_a_lagging_replica_is_left_aside_until_it_has_caught_up(client, standby):
    first = TrainingSessionFactory()
    on_replica(first.pk)
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    late = TrainingSessionFactory(action=ActionFactory(formation__title="Écrite pendant la pause"))
    time.sleep(settings.DATABASE_REPLICA_MAX_LAG_SECONDS + 0.3)
    assert replica.replica_lag() > settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    html, primary, on_standby = served(client, "/formations/")
    assert "Écrite pendant la pause" in html  # read from the primary: the write is visible at once
    assert (primary > 0, on_standby) == (True, 1)  # the replica only answered the lag probe

    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    on_replica(late.pk)
    deadline = time.monotonic() + 10
    while replica.replica_lag() > 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    html, primary, on_standby = served(client, "/formations/")
    assert "Écrite pendant la pause" in html
    assert (primary, on_standby > 0) == (0, True)
