"""A real task worker for tests: `manage.py db_worker` (django-tasks-db) in its own process, on the test database,
stopped (or killed) by its own pid."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "long"]}}


def worker_environment(media_root: Path) -> dict:
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "TEST_TASKS_BACKEND": "database",
        "DJANGO_MEDIA_ROOT": str(media_root),
        "JOB_HEARTBEAT_SECONDS": "1",
    }


@contextmanager
def db_worker(media_root: Path):
    """Yields the worker's Popen; stops it with SIGTERM at the end unless the test killed it."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.1", "--no-startup-delay"],
        cwd=settings.BASE_DIR,
        env=worker_environment(media_root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition, *, timeout: float = 120, every: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")
