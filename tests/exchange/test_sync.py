"""sync_feeds against a local HTTP server the test starts: an unchanged feed costs one conditional request and no
import, a new version is imported record by record and archives what it lost, every run is recorded."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEntry
from exchange.models import FeedSource, ImportRun
from sessions.models import TrainingSession
from tests.catalogue.factories import CommuneFactory
from tests.exchange import samples

pytestmark = pytest.mark.django_db

LAST_MODIFIED = "Mon, 30 Nov 2026 02:00:00 GMT"


class FeedServer(ThreadingHTTPServer):
    """Serves one body with its ETag and Last-Modified, answers 304 to a request that has the current version,
    and records the conditional headers of every request."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.body, self.status, self.requests = b"", 200, []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/flux-lheo.xml"

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # the name http.server calls
        server = self.server
        server.requests.append(
            {
                "If-None-Match": self.headers.get("If-None-Match"),
                "If-Modified-Since": self.headers.get("If-Modified-Since"),
            }
        )
        if server.status != 200:
            self.send_response(server.status)
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == server.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(server.body)))
        self.send_header("ETag", server.etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(server.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def source(server, db):
    CommuneFactory()
    server.body = samples.feed(samples.many_sessions(10))
    return FeedSource.objects.create(name="carif-idf", label="Carif-Oref Île-de-France", url=server.url)


def test_a_feed_is_imported_then_an_unchanged_one_costs_one_request(server, source, capsys):
    call_command("sync_feeds", "--commit")
    assert "1 flux : 1 écrit(s), 0 inchangé(s), 0 refusé(s), 0 en échec." in capsys.readouterr().out
    assert TrainingSession.objects.filter(source="carif-idf").count() == 10
    run = ImportRun.objects.get()
    assert (run.status, run.trigger, run.source, run.origin) == ("written", "sync", source, server.url)
    source.refresh_from_db()
    assert (source.etag, source.last_modified) == (server.etag, LAST_MODIFIED)
    entries = AuditEntry.objects.count()

    call_command("sync_feeds", "--commit")
    assert "carif-idf : flux inchangé depuis la dernière lecture" in capsys.readouterr().out
    assert len(server.requests) == 2
    assert server.requests[1] == {"If-None-Match": server.etag, "If-Modified-Since": LAST_MODIFIED}
    latest = ImportRun.objects.order_by("-pk").first()
    assert latest.status == "not_modified" and latest.finished_at is not None
    assert AuditEntry.objects.count() == entries  # nothing imported


def test_a_new_version_is_imported_and_archives_what_it_lost(server, source):
    call_command("sync_feeds", "--commit")
    server.body = samples.feed(samples.many_sessions(10)[:1])  # the second formation is gone
    call_command("sync_feeds", "--commit", "--source", "carif-idf")
    run = ImportRun.objects.order_by("-pk").first()
    assert run.status == "written" and run.counts["sessions"]["archived"] == 5
    assert TrainingSession.objects.filter(is_published=True).count() == 5
    assert TrainingSession.objects.count() == 10  # archived, not deleted


def test_a_broken_feed_is_refused_and_asked_again(server, source):
    server.body = samples.feed(samples.many_sessions(10, bad={1, 2, 3}))
    call_command("sync_feeds", "--commit")
    run = ImportRun.objects.get()
    assert run.status == "refused" and run.sessions_rejected == 3 and len(run.problems) == 3
    source.refresh_from_db()
    assert source.etag == ""  # not kept: the next run reads the feed again
    call_command("sync_feeds", "--commit")
    assert server.requests[1]["If-None-Match"] is None


def test_an_unreachable_feed_is_a_recorded_failure(server, source, capsys):
    server.status = 503
    call_command("sync_feeds", "--commit")
    run = ImportRun.objects.get()
    assert run.status == "failed" and "Le serveur du flux répond 503" in run.summary
    assert "0 écrit(s), 0 inchangé(s), 0 refusé(s), 1 en échec." in capsys.readouterr().out
    source.url = "http://127.0.0.1:9/absent.xml"  # nobody listens there
    source.save()
    call_command("sync_feeds", "--commit", "--timeout", "5")
    assert ImportRun.objects.order_by("-pk").first().summary.startswith("Flux injoignable")


def test_without_commit_nothing_is_written_nor_recorded(server, source, capsys):
    call_command("sync_feeds")
    assert "1 flux vérifié(s) (simulation, rien n'est écrit ni enregistré)." in capsys.readouterr().out
    assert not TrainingSession.objects.exists() and not ImportRun.objects.exists()
    source.refresh_from_db()
    assert source.etag == ""


def test_a_file_source_is_read_again_only_when_it_changed(tmp_path, db, capsys):
    CommuneFactory()
    path = tmp_path / "flux.xml"
    path.write_bytes(samples.feed(samples.many_sessions(5)))
    FeedSource.objects.create(name="onisep", label="Onisep", path=str(path))
    call_command("sync_feeds", "--commit")
    call_command("sync_feeds", "--commit")
    assert list(ImportRun.objects.order_by("pk").values_list("status", flat=True)) == ["written", "not_modified"]
    with pytest.raises(CommandError, match="Flux inconnu : absent"):
        call_command("sync_feeds", "--source", "absent")


def test_a_feed_that_trickles_is_given_up(server, source, settings):
    settings.LHEO_FEED_FETCH_SECONDS = 0
    call_command("sync_feeds", "--commit")
    assert ImportRun.objects.get().summary.startswith("Flux trop lent : non reçu en 0 secondes.")
