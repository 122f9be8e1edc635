"""The portal as production runs it, for benchmarks: gunicorn with config/gunicorn.py and the production settings
(config.settings.base), static files collected, Redis as the shared cache, on a free loopback port. Requests
should carry `X-Forwarded-Proto: https`, as the reverse proxy's do (plain HTTP is redirected)."""

import http.client
import ipaddress
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def loopback_only(url: str) -> None:
    """Benchmarks send traffic to this machine only: any other address is refused."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"Refused: {host!r} is not a loopback address; benchmarks only target this machine.")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(
    port: int, path: str, *, timeout: float = 30, headers: dict | None = None, rate: float | None = None
) -> tuple[int, int]:
    """(status, body bytes) of one GET on a new connection, as the reverse proxy sends it; with `rate`, the body is
    read at most that many bytes per second, as a person's connection would."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"X-Forwarded-Proto": "https", "Connection": "close", **(headers or {})})
        response = conn.getresponse()
        size, begin = 0, time.perf_counter()
        while chunk := response.read(65536):
            size += len(chunk)
            if rate:
                ahead = size / rate - (time.perf_counter() - begin)
                if ahead > 0:
                    time.sleep(ahead)
        return response.status, size
    finally:
        conn.close()


@contextmanager
def production_server(database_url: str, *, workers: int = 2, redis_url: str, extra_env: dict | None = None):
    loopback_only(database_url)
    loopback_only(redis_url)
    work = Path(tempfile.mkdtemp(prefix="bench-production-"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "OPEN_DATA_ROOT": str(work / "open-data"),
        "CACHE_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        "WEB_CONCURRENCY": str(workers),
        "REQUEST_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    port = free_port()
    log = open(work / "gunicorn.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "--bind", f"{HOST}:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, "/sante/")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((work / "gunicorn.log").read_text(errors="replace")) from None
                time.sleep(0.3)
        yield port, env, work
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
