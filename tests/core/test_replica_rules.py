"""The replica router's rules that hold without a replica (the replica itself: tests/core/test_replica.py)."""

import pytest
from django.urls import get_resolver

from core import replica
from sessions.models import TrainingSession


def test_every_public_read_view_is_a_view_of_the_portal():
    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    assert names >= replica.PUBLIC_READ_VIEWS, replica.PUBLIC_READ_VIEWS - names
    assert not {"sessions_confirm", "account_home", "organism_signup"} & replica.PUBLIC_READ_VIEWS  # they write


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary_and_no_pin_is_set(client, settings):
    assert "replica" not in settings.DATABASES
    assert replica.ReplicaRouter().db_for_read(TrainingSession) == "default"
    response = client.post("/formations/")
    assert response.status_code == 405
    assert replica.PIN_COOKIE not in response.cookies
