"""Open data as prepared files: built from the catalogue by `publish_open_data` (cron, every few minutes when the
catalogue changed, and after midnight), served from disk by `/donnees/sessions.csv` and `.json` without any
database work.

A build writes each format twice (plain and gzip) under names that carry the build's stamp, then replaces
`manifest.json` atomically (a temporary file renamed over it): a download reads the manifest, then opens the files
it names, so it never mixes two builds, and files of the build before are kept until the next one (a download in
progress keeps its open file in any case). ETags are digests of the bytes served.
"""

import fcntl
import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from catalogue.search.index import catalogue_version

from .open_data import as_csv, as_json
from .open_data import rows as open_data_rows

LICENCE = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
MANIFEST = "manifest.json"
LOCK = "build.lock"


def root() -> Path:
    return Path(settings.OPEN_DATA_ROOT)


@dataclass(frozen=True)
class Variant:
    path: Path
    size: int
    etag: str


@dataclass(frozen=True)
class Published:
    """The latest build, as its manifest describes it."""

    built_at: datetime
    built_on: date
    token: str | None
    rows: int
    files: dict  # format -> {"plain": Variant, "gzip": Variant}

    def variant(self, fmt: str, *, gzip_ok: bool) -> tuple[Variant, bool]:
        """The file to send for this format, and whether it is the gzip one."""
        pair = self.files[fmt]
        return (pair["gzip"], True) if gzip_ok else (pair["plain"], False)


def published() -> Published | None:
    """The latest build, or None when nothing was built yet (or its files are gone)."""
    folder = root()
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    files = {}
    for fmt, pair in manifest["files"].items():
        files[fmt] = {kind: Variant(folder / item["name"], item["size"], item["etag"]) for kind, item in pair.items()}
        if not all(variant.path.exists() for variant in files[fmt].values()):
            return None
    return Published(
        built_at=datetime.fromisoformat(manifest["built_at"]),
        built_on=date.fromisoformat(manifest["built_on"]),
        token=manifest.get("token"),
        rows=manifest["rows"],
        files=files,
    )


class _Tee:
    """Writes text as UTF-8 to a plain and a gzip file at once, and digests both byte streams."""

    def __init__(self, folder: Path, stem: str):
        self.plain_name, self.gzip_name = stem, stem + ".gz"
        self.plain = open(folder / self.plain_name, "wb")  # noqa: SIM115 (closed in close())
        self.gzip_raw = open(folder / self.gzip_name, "wb")  # noqa: SIM115
        self.gzip_digest = hashlib.sha256()
        self.plain_digest = hashlib.sha256()
        self.gzip = gzip.GzipFile(fileobj=self, mode="wb", compresslevel=6, mtime=0)

    # The GzipFile writes its compressed bytes here: digest them on their way to the file.
    def write(self, data: bytes) -> int:
        self.gzip_digest.update(data)
        return self.gzip_raw.write(data)

    def flush(self):
        self.gzip_raw.flush()

    def text(self, piece: str) -> None:
        data = piece.encode("utf-8")
        self.plain_digest.update(data)
        self.plain.write(data)
        self.gzip.write(data)

    def close(self) -> dict:
        self.gzip.close()
        for handle in (self.plain, self.gzip_raw):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        folder = Path(self.plain.name).parent
        return {
            "plain": {
                "name": self.plain_name,
                "size": (folder / self.plain_name).stat().st_size,
                "etag": self.plain_digest.hexdigest()[:32],
            },
            "gzip": {
                "name": self.gzip_name,
                "size": (folder / self.gzip_name).stat().st_size,
                "etag": self.gzip_digest.hexdigest()[:32],
            },
        }


class _Counter:
    def __init__(self, source):
        self.source, self.count = source, 0

    def __iter__(self):
        for row in self.source:
            self.count += 1
            yield row


def build(*, token: str | None) -> Published:
    """Builds both formats from the catalogue and publishes them (atomically); returns the new build."""
    folder = root()
    folder.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    today = timezone.localdate(now)
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    files, counts = {}, []
    for fmt in FORMATS:
        source = _Counter(open_data_rows(today=today, base_url=settings.PORTAL_BASE_URL))
        pieces = as_csv(source) if fmt == "csv" else as_json(source, licence=LICENCE)
        tee = _Tee(folder, f"sessions-{stamp}.{fmt}")
        try:
            for piece in pieces:
                tee.text(piece)
        finally:
            files[fmt] = tee.close()
        counts.append(source.count)
    manifest = {
        "built_at": now.isoformat(),
        "built_on": today.isoformat(),
        "token": token,
        "rows": counts[0],
        "files": files,
    }
    previous = _manifest_names(folder / MANIFEST)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".manifest-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, folder / MANIFEST)
    keep = previous | {item["name"] for pair in files.values() for item in pair.values()}
    for path in folder.glob("sessions-*"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
    return published()


def _manifest_names(path: Path) -> set[str]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return set()
    return {item["name"] for pair in manifest["files"].values() for item in pair.values()}


def build_due(current: Published | None, *, token: str | None, now: datetime, force: bool = False) -> str:
    """Why a build is due ("" when it is not): nothing built, a new day (sessions end, labels expire), or the
    catalogue changed and the last build is older than OPEN_DATA_MIN_INTERVAL_SECONDS."""
    if current is None:
        return "aucun fichier publié"
    if force:
        return "reconstruction demandée"
    if current.built_on != timezone.localdate(now):
        return "nouvelle journée"
    if current.token != token:
        age = (now - current.built_at).total_seconds()
        if age >= settings.OPEN_DATA_MIN_INTERVAL_SECONDS:
            return "catalogue modifié"
    return ""


def publish(*, force: bool = False, commit: bool = True) -> tuple[str, Published | None]:
    """Builds when a build is due (see build_due), under a file lock so that two builds never overlap. Returns the
    reason ("" when nothing was due) and the build now published."""
    folder = root()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = published()
            token = catalogue_version()
            reason = build_due(current, token=token, now=timezone.now(), force=force)
            if reason and commit:
                current = build(token=token)
            return reason, current
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_once_if_missing() -> Published:
    """For a download that finds nothing built (a new installation before cron's first run): one process builds,
    the others wait for it on the lock, then all serve the same files."""
    return published() or publish()[1]
