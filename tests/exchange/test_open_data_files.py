"""Open data as prepared files: built by publish_open_data when due, written atomically, served without database
work, with ETag, Last-Modified, gzip and byte ranges; the page says when they were built."""

import gzip
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exchange.open_data_files import build_due, publish, published
from tests.catalogue.factories import ActionFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    action = ActionFactory(formation__title="Développeur web")
    TrainingSessionFactory(action=action)
    TrainingSessionFactory(action=action)
    return action


def body(response) -> bytes:
    """The whole body, the response then closed (its file with it)."""
    data = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return data


def get(client, url, **headers):
    response = client.get(url, **headers)
    response.payload = body(response)
    return response


def test_a_download_costs_no_database_query_once_built(client, catalogue, django_assert_num_queries):
    publish()
    with django_assert_num_queries(0):
        response = client.get(reverse("open_data_file", args=["csv"]))
        data = body(response)
    assert response.status_code == 200
    assert data.decode("utf-8-sig").count("\n") == 3  # header and two sessions
    assert response["Content-Length"] == str(len(data))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"].startswith('attachment; filename="catalogue-sessions-')


def test_the_first_download_builds_the_files_when_none_exist(client, catalogue):
    assert published() is None
    data = json.loads(get(client, reverse("open_data_file", args=["json"])).payload)
    assert len(data["sessions"]) == 2
    assert published() is not None


def test_etag_and_last_modified_answer_304(client, catalogue):
    publish()
    first = get(client, reverse("open_data_file", args=["csv"]))
    etag, modified = first["ETag"], first["Last-Modified"]
    assert get(client, reverse("open_data_file", args=["csv"]), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert get(client, reverse("open_data_file", args=["csv"]), HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert get(client, reverse("open_data_file", args=["csv"]), HTTP_IF_NONE_MATCH='"autre"').status_code == 200


def test_gzip_for_clients_that_accept_it(client, catalogue):
    publish()
    plain = get(client, reverse("open_data_file", args=["json"])).payload
    response = get(client, reverse("open_data_file", args=["json"]), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.payload) == plain
    refused = get(client, reverse("open_data_file", args=["json"]), HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert not refused.has_header("Content-Encoding")


def test_byte_ranges(client, catalogue):
    publish()
    url = reverse("open_data_file", args=["csv"])
    whole = get(client, url)
    data, etag = whole.payload, whole["ETag"]
    part = get(client, url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part.payload == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}"
    tail = get(client, url, HTTP_RANGE="bytes=-5")
    assert tail.status_code == 206 and tail.payload == data[-5:]
    rest = get(client, url, HTTP_RANGE=f"bytes={len(data) - 3}-")
    assert rest.payload == data[-3:]
    outside = get(client, url, HTTP_RANGE=f"bytes={len(data) + 10}-")
    assert outside.status_code == 416 and outside["Content-Range"] == f"bytes */{len(data)}"
    stale = get(client, url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"ancienne-version"')
    assert stale.status_code == 200 and stale.payload == data
    fresh = get(client, url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert fresh.status_code == 206
    head = client.head(url)
    assert head.status_code == 200 and head["Content-Length"] == str(len(data)) and head.content == b""


def test_a_build_is_due_when_the_catalogue_changed_after_the_interval_or_the_day_turned(catalogue, settings):
    settings.OPEN_DATA_MIN_INTERVAL_SECONDS = 300
    _, current = publish()
    now = current.built_at
    assert build_due(current, token=current.token, now=now) == ""
    assert build_due(current, token="nouveau", now=now + timedelta(seconds=60)) == ""  # too soon: wait
    assert build_due(current, token="nouveau", now=now + timedelta(seconds=301)) == "catalogue modifié"
    assert build_due(current, token=current.token, now=now + timedelta(days=1)) == "nouvelle journée"
    assert build_due(None, token=None, now=now) == "aucun fichier publié"


def test_a_catalogue_change_is_published_by_the_command(catalogue, settings, capsys):
    settings.OPEN_DATA_MIN_INTERVAL_SECONDS = 0
    call_command("publish_open_data")
    assert "Simulation : une publication est due (aucun fichier publié)" in capsys.readouterr().out
    assert published() is None
    call_command("publish_open_data", "--commit")
    first = published()
    assert first.rows == 2 and "Publié (aucun fichier publié) : 2 sessions" in capsys.readouterr().out
    call_command("publish_open_data", "--commit")
    assert "À jour" in capsys.readouterr().out and published().built_at == first.built_at
    TrainingSessionFactory(action=catalogue)
    call_command("publish_open_data", "--commit")
    assert "Publié (catalogue modifié) : 3 sessions" in capsys.readouterr().out
    second = published()
    assert second.rows == 3 and second.files["csv"]["plain"].etag != first.files["csv"]["plain"].etag
    # The files of the build before are kept for downloads in progress; older ones are removed.
    assert first.files["csv"]["plain"].path.exists()
    call_command("publish_open_data", "--commit", "--force")
    assert not first.files["csv"]["plain"].path.exists()


def test_the_page_says_when_the_files_were_built(client, catalogue):
    assert "seront préparés à la première demande" in client.get(reverse("open_data")).content.decode()
    _, current = publish()
    html = client.get(reverse("open_data")).content.decode()
    built = timezone.localtime(current.built_at)
    assert f"Fichiers préparés le {built.day} " in html and "(2 sessions)" in html
