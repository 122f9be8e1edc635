"""Feeds: imports recorded as runs, and the synchronisation of configured sources (ADR 0010).

`run_import` imports a file and records the run (source, file or address, start and end, counts, full report).
`sync_feed` fetches a source over HTTP(S) with the validators of the version last imported (`If-None-Match`,
`If-Modified-Since`), so that an unchanged feed costs one request and no import; a file source is re-read only when
its size or modification time changed. A new version is imported with the feed policy (record by record, the
source's threshold of invalid sessions) and the run recorded; the validators are kept once a version is written.
"""

import shutil
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .lheo_import import ImportReport, Policy, import_lheo
from .models import FeedSource, ImportRun

USER_AGENT = "catalogue-formations-sync/1.0"
DOWNLOAD_CHUNK = 1 << 20


def feed_policy(feed: FeedSource) -> Policy:
    return Policy(all_or_nothing=False, max_rejected_percent=feed.max_rejected_percent)


def run_import(
    data: bytes | str | Path,
    *,
    feed: FeedSource | None = None,
    organism=None,
    policy: Policy,
    commit: bool,
    trigger: str,
    origin: str,
    by=None,
    progress=None,
) -> tuple[ImportRun | None, ImportReport]:
    """Imports `data`; a committed import is recorded as a run, its report in full (a preview records nothing)."""
    if not isinstance(data, bytes) and not Path(data).is_file():
        raise FileNotFoundError(str(data))
    organism = organism or (feed.organism if feed is not None else None)
    run = None
    if commit:
        run = ImportRun.objects.create(
            source=feed,
            organism=organism,
            origin=origin[:500],
            trigger=trigger,
            all_or_nothing=policy.all_or_nothing,
            started_at=timezone.now(),
            by=by if getattr(by, "is_authenticated", False) else None,
        )
    label = f"flux {feed.name}" if feed is not None else ("dépôt LHÉO" if by is not None else "commande import_lheo")
    try:
        report = import_lheo(
            data,
            organism=organism,
            commit=commit,
            by=by,
            policy=policy,
            source=feed.name if feed is not None else "",
            actor_label=label,
            max_bytes=settings.LHEO_IMPORT_MAX_BYTES
            if trigger == ImportRun.Trigger.UPLOAD
            else settings.LHEO_FEED_MAX_BYTES,
            progress=progress,
        )
    except Exception:
        if run is not None:
            finish(run, status=ImportRun.Status.FAILED, summary="L'import s'est interrompu sur une erreur inattendue.")
        raise
    if run is not None:
        record(run, report)
    return run, report


def record(run: ImportRun, report: ImportReport) -> None:
    run.version = report.version
    run.counts = {kind: counts.as_dict() for kind, counts in report.counts.items()}
    run.sessions_total, run.sessions_rejected = report.sessions_total, report.sessions_rejected
    run.problems = [problem.as_dict() for problem in report.problems]
    finish(
        run,
        status=ImportRun.Status.WRITTEN if report.written else ImportRun.Status.REFUSED,
        summary=report.summary(),
    )


def finish(run: ImportRun, *, status: str, summary: str) -> None:
    run.status, run.summary, run.finished_at = status, summary, timezone.now()
    run.save()


@dataclass
class Fetched:
    """A new version of a feed, downloaded to a temporary file, with its HTTP validators."""

    path: Path
    etag: str
    last_modified: str


class NotModified(Exception):
    pass


class FetchError(Exception):
    """A feed that cannot be read: its French message says why."""


def fetch(feed: FeedSource, directory: str, *, timeout: float = 60) -> Fetched:
    """The feed's current version, or NotModified; FetchError when it cannot be read."""
    if feed.path:
        path = Path(feed.path)
        try:
            stat = path.stat()
        except OSError as error:
            raise FetchError(f"Fichier du flux illisible : {feed.path} ({error.strerror}).") from error
        fingerprint = f"fichier:{stat.st_size}:{stat.st_mtime_ns}"
        if fingerprint == feed.etag:
            raise NotModified()
        return Fetched(path=path, etag=fingerprint, last_modified="")
    headers = {"User-Agent": USER_AGENT, "Accept": "application/xml, text/xml", "Accept-Encoding": "identity"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    request = urllib.request.Request(feed.url, headers=headers)
    limit = settings.LHEO_FEED_MAX_BYTES
    target = Path(directory) / "flux.xml"
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, target.open("wb") as out:
            if int(response.headers.get("Content-Length") or 0) > limit:
                raise FetchError(f"Flux trop volumineux : plus de {limit / 1e6:.0f} Mo.")
            size, deadline = 0, time.monotonic() + settings.LHEO_FEED_FETCH_SECONDS
            while chunk := response.read(DOWNLOAD_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"Flux trop volumineux : plus de {limit / 1e6:.0f} Mo.")
                if time.monotonic() > deadline:  # a server trickling bytes never times out a read
                    raise FetchError(f"Flux trop lent : non reçu en {settings.LHEO_FEED_FETCH_SECONDS} secondes.")
                out.write(chunk)
            return Fetched(
                path=target,
                etag=(response.headers.get("ETag") or "")[:200],
                last_modified=(response.headers.get("Last-Modified") or "")[:100],
            )
    except urllib.error.HTTPError as error:
        if error.code == 304:
            raise NotModified() from error
        raise FetchError(f"Le serveur du flux répond {error.code} ({error.reason}).") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(f"Flux injoignable : {reason}.") from error


def sync_feed(feed: FeedSource, *, commit: bool, timeout: float = 60, progress=None) -> tuple[ImportRun | None, str]:
    """Fetches and imports one feed; returns its run (None for a preview) and a line for the command's output."""
    started = timezone.now()
    directory = tempfile.mkdtemp(prefix="sync-feeds-")
    try:
        try:
            fetched = fetch(feed, directory, timeout=timeout)
        except NotModified:
            message = "flux inchangé depuis la dernière lecture : rien à importer."
            return _short_run(feed, started, ImportRun.Status.NOT_MODIFIED, message, commit), message
        except FetchError as error:
            return _short_run(feed, started, ImportRun.Status.FAILED, str(error), commit), str(error)
        run, report = run_import(
            fetched.path,
            feed=feed,
            policy=feed_policy(feed),
            commit=commit,
            trigger=ImportRun.Trigger.SYNC,
            origin=feed.location,
            progress=progress,
        )
        if run is not None:
            run.started_at = started
            run.save(update_fields=["started_at"])
        if commit and report.written:  # the next run asks whether this version changed
            with transaction.atomic():
                FeedSource.objects.filter(pk=feed.pk).update(etag=fetched.etag, last_modified=fetched.last_modified)
            feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
        return run, report.summary()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _short_run(feed, started, status, message, commit) -> ImportRun | None:
    if not commit:
        return None
    run = ImportRun(
        source=feed,
        organism=feed.organism,
        origin=feed.location[:500],
        trigger=ImportRun.Trigger.SYNC,
        started_at=started,
    )
    finish(run, status=status, summary=message)
    return run
