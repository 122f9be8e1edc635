"""Real production processes for tests: gunicorn with the production settings (config.settings.base), started on a
free loopback port with the environment given, stopped (by its own pid) at the end."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_or_skip() -> str:
    """The Redis of the tests (database 5 unless TEST_REDIS_URL says otherwise); CI must have one."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"needs Redis at {REDIS_TEST_URL}; CI starts one")
    return REDIS_TEST_URL


def redis_forget(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_TEST_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def production_environment(**overrides) -> dict:
    """Only what the deployment guide lists as required, plus the test's overrides (and PATH)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "production-test-" + uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": "",
        "REDIS_URL": REDIS_TEST_URL,
    }
    env.update({key: value for key, value in overrides.items() if value is not None})
    for key in [key for key, value in overrides.items() if value is None]:
        env.pop(key, None)
    return env


_collected: dict[str, str] = {}


def collected_static(tmp_root: Path) -> str:
    """Static files collected once per test run, as `make serve` does (the production storage needs its manifest)."""
    if "root" not in _collected:
        root = tmp_root / "staticfiles"
        env = production_environment(DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused")
        env["DJANGO_STATIC_ROOT"] = str(root)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
        _collected["root"] = str(root)
    return _collected["root"]


@contextmanager
def gunicorn(env: dict, *, workers: int = 2, log_path: Path):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "config/gunicorn.py",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/sante/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # answering (a 503 is an answer)
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start:\n" + log_path.read_text(errors="replace")) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request_log(log_path: Path) -> list[dict]:
    """The portal's request lines (core/middleware.py) in a gunicorn log."""
    lines = []
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"portal.requests"' in line:
            try:
                lines.append(json.loads(line))
            except ValueError:  # two processes' lines interleaved in the shared log file
                continue
    return lines
