"""A write made by one process is in another process's next search (two processes, real PostgreSQL), including a
write whose transaction started before and committed after others (the change log is read by transaction, not by
order of arrival)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from catalogue.search.engine import Query, search
from sessions.models import TrainingSession
from tests.catalogue.factories import ActionFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

WORKER = Path(__file__).with_name("search_process.py")


def database_url() -> str:
    s = connection.settings_dict
    user = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """The other process, talking JSON lines."""

    def __init__(self, **environment):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            **environment,
        }
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the other process stopped"
        return json.loads(line)

    def close(self):
        self.process.stdin.write(json.dumps({"quit": True}) + "\n")
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


@pytest.fixture
def worker():
    other = Worker()
    yield other
    other.close()


def second_connection():
    s = connection.settings_dict
    return psycopg2.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432
    )


def test_a_write_in_one_process_is_in_the_other_process_next_search(worker):
    first = TrainingSessionFactory()
    assert worker.ask(search={})["total"] == 1
    assert worker.ask(search={})["builds"] == 1

    second = TrainingSessionFactory(action=ActionFactory(formation__title="Ajoutée"))
    answer = worker.ask(search={})
    assert answer["total"] == 2
    assert second.action_id in answer["actions"]

    TrainingSession.objects.filter(pk=first.pk).update(places_left=0)
    answer = worker.ask(search={"places": True})
    assert answer["actions"] == [second.action_id]
    assert (answer["builds"], answer["applied"] > 0) == (1, True), "applied, not rebuilt"

    # And the other way round: the other process writes, this one searches.
    today = timezone.localdate()
    assert search(Query(), today=today).total == 2
    assert worker.ask(unpublish=second.action_id) == {"done": True}
    assert [hit.action_id for hit in search(Query(), today=today).hits] == [first.action_id]


def test_a_transaction_committed_after_a_later_one_is_not_missed(worker):
    """Changes are logged in the order of their statements, committed in another: a process that read a later
    change first still applies the earlier one once it commits."""
    early, late = TrainingSessionFactory(), TrainingSessionFactory()
    assert worker.ask(search={"places": True})["total"] == 2
    slow, quick = second_connection(), second_connection()
    try:
        with slow.cursor() as cursor:  # starts first, writes first, commits last
            cursor.execute("UPDATE training_sessions_trainingsession SET places_left = 0 WHERE id = %s", [early.pk])
        with quick.cursor() as cursor:
            cursor.execute("UPDATE training_sessions_trainingsession SET places_left = 0 WHERE id = %s", [late.pk])
        quick.commit()
        assert worker.ask(search={"places": True})["actions"] == [early.action_id]
        slow.commit()
        answer = worker.ask(search={"places": True})
        assert answer["total"] == 0
        assert answer["builds"] == 1
    finally:
        slow.close()
        quick.close()


def test_a_new_process_maps_the_last_snapshot_and_applies_what_changed_since(tmp_path, settings):
    """After a full build the index is written to files; a process started later maps them instead of reading the
    whole catalogue, then applies the changes made since (and its pages stay shared until it writes to them)."""
    settings.SEARCH_INDEX_DIR = str(tmp_path)
    sessions = [TrainingSessionFactory() for _ in range(3)]
    today = timezone.localdate()
    assert search(Query(), today=today).total == 3  # this process builds, and writes the snapshot
    (home,) = tmp_path.iterdir()
    assert (home / "current" / "meta.json").exists()
    TrainingSession.objects.filter(pk=sessions[0].pk).update(places_left=0)
    later = TrainingSessionFactory(action=ActionFactory(formation__title="Après l'instantané"))

    other = Worker(SEARCH_INDEX_DIR=str(tmp_path))
    try:
        answer = other.ask(search={"places": True})
        assert (answer["builds"], answer["loads"]) == (0, 1)
        assert answer["applied"] >= 2
        assert answer["total"] == 3
        assert later.action_id in answer["actions"]
        assert sessions[0].action_id not in answer["actions"]
    finally:
        other.close()
