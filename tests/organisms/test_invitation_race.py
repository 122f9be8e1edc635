"""Two invitations of the same address at the same moment (two administrators, a double click): the unique
constraint on pending invitations keeps one, and the second request answers like the first, never a 500."""

import threading
import time

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from organisms.models import Invitation


@pytest.mark.postgresql
def test_a_concurrent_duplicate_invitation_is_sent_again_not_a_500(client, transactional_db, member_a, organism_a):
    client.force_login(member_a)
    params = connection.get_connection_params()
    inserted, waited = threading.Event(), threading.Event()

    def other_request():
        """Another request inserting the same pending invitation, committed while ours waits on the index."""
        other = psycopg2.connect(**{key: value for key, value in params.items() if key != "cursor_factory"})
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {Invitation._meta.db_table} (organism_id, email, state, created_at, sent_at) "
                    "VALUES (%s, %s, 'pending', now(), now())",
                    [organism_a.pk, "collegue@example.org"],
                )
            inserted.set()
            # Commit once our request's insert waits for this one on the unique index (or after 10 s).
            with other.cursor() as cursor:
                for _ in range(200):
                    cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction's view of it is frozen
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO%%invitation%%'"
                    )
                    if cursor.fetchone()[0]:
                        waited.set()
                        break
                    time.sleep(0.05)
            other.commit()
        finally:
            other.close()

    thread = threading.Thread(target=other_request)
    thread.start()
    assert inserted.wait(10)
    response = client.post(reverse("backoffice:member_invite"), {"email": "Collegue@example.org"})
    thread.join(10)
    assert waited.is_set()  # the race did happen: our insert waited for the other one
    assert response.status_code == 302
    assert Invitation.objects.filter(email="collegue@example.org", state=Invitation.State.PENDING).count() == 1
