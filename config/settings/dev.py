"""Development settings: the first run on a laptop, SQLite unless DATABASE_URL is set."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-key-never-use-in-production")

from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
DEMO_MODE = True
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405 (the demo catalogue: development and tests only)
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# The official LHÉO schema beside the project, where this machine has it (../shared/lheo).
_shared_xsd = BASE_DIR.parent / "shared" / "lheo" / "lheo-2.3.xsd"  # noqa: F405
LHEO_XSD_PATH = os.environ.get("LHEO_XSD_PATH") or (str(_shared_xsd) if _shared_xsd.exists() else "")

# Plain HTTP on a laptop, no shared cache needed, runserver logs the requests itself.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_PROXY_SSL_HEADER = None
SHARED_CACHE_REQUIRED = False
LOGGING["loggers"]["portal.requests"]["level"] = "WARNING"  # noqa: F405
