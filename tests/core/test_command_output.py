"""Long commands: a progress bar on a terminal only, quiet under cron (no TTY: their lines and one summary line, no
bar), and --json for monitoring (one JSON object, nothing else)."""

import io
import json
import os
import pty

import pytest
from django.core.management import call_command

from exchange.models import ImportRun
from tests.catalogue.factories import CommuneFactory
from tests.exchange import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed_file(tmp_path):
    CommuneFactory(code="94028", name="Créteil", postcodes="94000")
    path = tmp_path / "flux.xml"
    path.write_bytes(samples.feed(samples.many_sessions(1100, per_action=50)))
    return path


def test_under_cron_no_bar_and_one_summary_line_last(feed_file):
    out = io.StringIO()
    call_command("import_lheo", str(feed_file), "--commit", stdout=out)
    text = out.getvalue()
    assert "\r" not in text and "\033" not in text and "█" not in text
    last = text.splitlines()[-1]
    assert last.startswith("LHÉO 2.3 (écrit) : ") and "sessions : 1100 créé(s)" in last


def test_json_prints_the_summary_as_one_object_and_nothing_else(feed_file):
    out = io.StringIO()
    call_command("import_lheo", str(feed_file), "--commit", "--json", stdout=out)
    [line] = out.getvalue().splitlines()
    summary = json.loads(line)
    run = ImportRun.objects.get()
    assert summary["command"] == "import_lheo" and summary["run"] == run.pk
    assert summary["written"] is True and summary["sessions_total"] == 1100
    assert summary["counts"]["sessions"]["created"] == 1100

    out = io.StringIO()
    call_command("sync_feeds", "--commit", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"command": "sync_feeds", "commit": True, "feeds": [], "counts": {}}


def test_on_a_terminal_a_bar_moves_then_the_summary(feed_file):
    controller, terminal = pty.openpty()
    with os.fdopen(terminal, "w", encoding="utf-8") as tty:
        call_command("import_lheo", str(feed_file), stdout=tty)
    received = b""
    os.set_blocking(controller, False)
    while True:
        try:
            chunk = os.read(controller, 65536)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        received += chunk
    os.close(controller)
    text = received.decode()
    assert "Sessions (vérification) : 1\u202f000" in text and "sur 1\u202f100 [" in text and "100 %" in text
    assert text.rstrip().splitlines()[-1].endswith("0 problème(s).")  # the bar cleared, then the summary


def test_the_email_commands_answer_in_json_too():
    for command, expected in (
        (
            "send_freshness_reminders",
            {"command": "send_freshness_reminders", "send": False, "digests": 0, "sessions": 0},
        ),
        ("send_search_alerts", {"command": "send_search_alerts", "send": False, "examined": 0}),
        (
            "send_pending_emails",
            {
                "command": "send_pending_emails",
                "pending": 0,
                "retrying": 0,
                "sent": 0,
                "failed": 0,
                "busy": 0,
                "forgotten": 0,
            },
        ),
    ):
        out = io.StringIO()
        call_command(command, "--json", stdout=out)
        assert json.loads(out.getvalue()) == expected, command
