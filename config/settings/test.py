"""Test settings: strict (undefined template variables fail), fast hashing, in-memory email."""

import os

from django.template import TemplateSyntaxError

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key")

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DEMO_MODE = True
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405 (the demo catalogue: development and tests only)
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks run at once, in the process that enqueues them; a test about the worker itself starts `db_worker` with
# TEST_TASKS_BACKEND=database (tests/core/workers.py).
if os.environ.get("TEST_TASKS_BACKEND") == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}  # noqa: F405
else:
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": TASK_QUEUES}}  # noqa: F405
JOB_STALE_SECONDS = int(os.environ.get("JOB_STALE_SECONDS", "60"))
EMAIL_RETRY_DELAYS = [60, 300]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tests speak plain HTTP to the test client and the live server; the production values are tested on their own.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SHARED_CACHE_REQUIRED = False
OPEN_DATA_ROOT = str(BASE_DIR / "var" / "test-open-data")  # noqa: F405 (each test gets its own: tests/conftest.py)
LOGGING["loggers"]["portal.requests"]["level"] = "WARNING"  # noqa: F405 (tests that read it raise it)


class InvalidTemplateVariable(str):
    """Makes any undefined template variable fail the test that renders it."""

    def __contains__(self, item):
        return item == "%s"

    def __mod__(self, name):
        raise TemplateSyntaxError(f"Undefined template variable: {name!r}")


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")  # noqa: F405
for _database in DATABASES.values():  # noqa: F405
    _database.get("OPTIONS", {}).pop("options", None)

# Serve static files from the apps' folders, as in development: tests run without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Each test process builds its own search index (a test of the snapshots gives its own folder).
SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", "")
SEARCH_CHANGES_SECONDS = 0  # a write is in the next search at once (tests of the change log; production: 0.1 s)

# Map tiles from this server (absent, so they fail at once): tests never reach out to a tile server.
MAP_TILE_URL = "/tuiles-de-test/{z}/{x}/{y}.png"

# The official LHÉO schema beside the project, where this machine has it (../shared/lheo).
_shared_xsd = BASE_DIR.parent / "shared" / "lheo" / "lheo-2.3.xsd"  # noqa: F405
LHEO_XSD_PATH = os.environ.get("LHEO_XSD_PATH") or (str(_shared_xsd) if _shared_xsd.exists() else "")
