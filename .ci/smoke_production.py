"""CI's production smoke test: the portal as `make serve` runs it (production settings, gunicorn, PostgreSQL,
Redis), on a seeded database of its own, fetched over HTTP on the loopback like a reverse proxy would.

Usage (from the project folder): .venv/bin/python .ci/smoke_production.py
Environment: SMOKE_DATABASE (default catalogue_ci_smoke), SMOKE_REDIS_URL (default redis://127.0.0.1:6379/6).
Prints one line per check and ends with "smoke: N passed, N failed"; exits non-zero on any failure.
"""

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("SMOKE_DATABASE", "catalogue_ci_smoke")
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/6")
HOST = "127.0.0.1"
SECURITY_HEADERS = {
    "Strict-Transport-Security": lambda v: "max-age=31536000" in v and "includeSubDomains" in v,
    "Content-Security-Policy": lambda v: "default-src 'self'" in v and "unsafe-inline" not in v,
    "X-Content-Type-Options": lambda v: v == "nosniff",
    "X-Frame-Options": lambda v: v == "DENY",
    "Referrer-Policy": lambda v: v == "same-origin",
}

results: list[tuple[bool, str]] = []


def check(ok: bool, what: str) -> bool:
    results.append((ok, what))
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    return ok


def psql(sql: str) -> None:
    subprocess.run(["psql", ADMIN_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def fetch(port: int, path: str, *, https: bool = True):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Host": HOST, "Connection": "close"}
    if https:
        headers["X-Forwarded-Proto"] = "https"  # what the reverse proxy sets after TLS
    started = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, response.msg, body, (time.perf_counter() - started) * 1000
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def main() -> int:
    static_root = tempfile.mkdtemp(prefix="smoke-static-")
    open_data_root = tempfile.mkdtemp(prefix="smoke-open-data-")
    production = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        # Not required; set so that the smoke test writes nowhere in the clone.
        "DJANGO_STATIC_ROOT": static_root,
        "OPEN_DATA_ROOT": open_data_root,
        "CACHE_KEY_PREFIX": f"smoke-{secrets.token_hex(4)}",
    }
    development = {**production, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}

    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    process = None
    try:
        deploy = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env={
                key: production[key]
                for key in (
                    "PATH",
                    "HOME",
                    "DJANGO_SETTINGS_MODULE",
                    "DJANGO_SECRET_KEY",
                    "DJANGO_ALLOWED_HOSTS",
                    "DATABASE_URL",
                    "REDIS_URL",
                )
            },
            capture_output=True,
            text=True,
        )
        check(
            deploy.returncode == 0,
            "check --deploy with only the four required variables: "
            + (deploy.stdout.strip() or deploy.stderr.strip()[-300:]),
        )
        manage("collectstatic", "--no-input", "--verbosity", "0", env=production)
        manage("migrate", "--no-input", "--verbosity", "0", env=production)
        manage("load_reference_data", env=production)
        manage("seed_demo", "--sessions", "500", env=development)  # the demo catalogue: development settings only
        manage("publish_open_data", "--commit", env=production)

        port = free_port()
        log = open(Path(open_data_root) / "gunicorn.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "--bind", f"{HOST}:{port}"],
            cwd=ROOT,
            env=production,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(port, "/sante/", https=False)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    print(Path(log.name).read_text(errors="replace"))
                    check(False, "gunicorn started")
                    return 1
                time.sleep(0.3)

        status, _, body, ms = fetch(port, "/sante/", https=False)
        health = json.loads(body)
        check(
            status == 200 and health["database"] == "ok" and health["cache"] == "ok",
            f"/sante/ over plain HTTP (load balancer): {status} {health} {ms:.0f} ms",
        )
        status, headers, _, _ = fetch(port, "/formations/", https=False)
        check(
            status == 301 and headers.get("Location", "").startswith("https://"),
            f"plain HTTP is redirected to HTTPS: {status} {headers.get('Location')}",
        )

        status, _, body, _ = fetch(port, "/api/v1/actions/?q=developpeur")
        first = json.loads(body)["results"][0]["id"] if status == 200 and json.loads(body)["results"] else None
        pages = [
            "/",
            "/formations/?q=developpeur",
            "/formations/?commune=94028&rayon=10",
            "/formations/carte/",
            "/api/v1/actions/",
            "/api/v1/sessions/?departement=93",
            "/api/v1/schema/",
            "/donnees/",
            "/donnees/sessions.csv",
            "/compte/login/",
            "/sante/",
        ]
        if first:
            pages.insert(2, f"/formations/{first}/")
            pages.insert(6, f"/api/v1/actions/{first}/")
        check(first is not None, f"the API finds a seeded action to open: {first}")
        for path in pages:
            status, headers, body, ms = fetch(port, path)
            missing = [name for name, good in SECURITY_HEADERS.items() if not good(headers.get(name, ""))]
            check(
                status == 200 and not missing,
                f"{path}: {status}, {len(body)} bytes, {ms:.0f} ms" + (f", bad headers: {missing}" if missing else ""),
            )
        status, headers, body, _ = fetch(port, "/formations/")
        nonce_free = not re.search(rb"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)", body)
        check(nonce_free, "no inline executable script on the search page")
        lines = [
            line for line in Path(log.name).read_text(errors="replace").splitlines() if '"portal.requests"' in line
        ]
        check(len(lines) >= len(pages), f"one JSON log line per request ({len(lines)} lines), e.g. {lines[-1][:160]}")
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    failed = sum(1 for ok, _ in results if not ok)
    print(f"smoke: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
