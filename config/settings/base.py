"""Production settings. Development and test settings are thin overrides of this file.

Every secret comes from the environment; a missing one stops the start-up with a clear error.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from django.utils.csp import CSP

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Demo accounts and the demo catalogue may only be created where this is true (never in production).
DEMO_MODE = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "core.staticfiles.PortalStaticFilesConfig",  # django.contrib.staticfiles, with its ignore list
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "rest_framework",
    "drf_spectacular",
    "django_tasks_db",
    "core",
    "accounts",
    "organisms",
    "catalogue",
    "sessions.apps.TrainingSessionsConfig",
    "region",
    "exchange",
    "api",
    "shortlists",
    "candidatures",
]

MIDDLEWARE = [
    "core.middleware.RequestLogMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.replica.ReplicaMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "config.context_processors.portal",
            ],
            "builtins": ["core.templatetags.french"],  # long_date ("1er décembre 2026"), pluriel ("0 place")
        },
    },
]


def database_from_environment(statement_timeout_ms: int, variable: str = "DATABASE_URL") -> dict:
    """PostgreSQL when DATABASE_URL is set, else the embedded SQLite file."""
    url = env_str(variable, "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "ATOMIC_REQUESTS": True,
            "OPTIONS": {"timeout": 20},
        }
    # Persistent connections, checked before each request's first query: after a database restart a worker
    # reconnects at once instead of failing on a dead connection.
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    config["ATOMIC_REQUESTS"] = True
    if statement_timeout_ms:
        config.setdefault("OPTIONS", {})["options"] = f"-c statement_timeout={statement_timeout_ms}"
    return config


DATABASES = {"default": database_from_environment(env_int("DATABASE_STATEMENT_TIMEOUT_MS", 15000))}
# A streaming replica of the primary (optional): public read-only pages read the catalogue from it while it is
# less than DATABASE_REPLICA_MAX_LAG_MS behind; a person who just wrote reads the primary for
# DATABASE_REPLICA_PIN_SECONDS (core/replica.py, README "Read replicas").
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = database_from_environment(
        env_int("DATABASE_STATEMENT_TIMEOUT_MS", 15000), "DATABASE_REPLICA_URL"
    ) | {"ATOMIC_REQUESTS": False, "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_MS", 1000) / 1000
DATABASE_REPLICA_LAG_CHECK_SECONDS = env_int("DATABASE_REPLICA_LAG_CHECK_MS", 500) / 1000
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
# Where the search index is written after a full build (PostgreSQL), for the processes started later to map it
# instead of reading the whole catalogue (catalogue/search/index.py); empty: each process builds its own.
SEARCH_INDEX_DIR = env_str("SEARCH_INDEX_DIR", str(BASE_DIR / "var" / "search-index"))
# Search result cards kept rendered in each process (catalogue/search/results.py), about 3 kB each.
SEARCH_CARD_CACHE_SIZE = env_int("SEARCH_CARD_CACHE_SIZE", 5000)
# Each process reads the search's change log before a search at most this often (0: before every search). A write
# shows in every process's results within this time plus one search (the target is 1 s); reading less often saves
# three round trips to PostgreSQL on most pages under load (README, "Search performance").
SEARCH_CHANGES_SECONDS = env_float("SEARCH_CHANGES_SECONDS", 0.1)
SEARCH_SYNONYMS_SECONDS = env_int("SEARCH_SYNONYMS_SECONDS", 60)  # each process reads the search's synonyms so often
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): email as login, mandatory verification, allauth's rate limits (login failures,
# password resets, confirmation emails) left at their defaults, which are on.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupProfileForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Every email of the portal, its own (core.mail) and allauth's, opens its subject with this.
PORTAL_EMAIL_SUBJECT_PREFIX = "[Catalogue des formations] "
ACCOUNT_EMAIL_SUBJECT_PREFIX = PORTAL_EMAIL_SUBJECT_PREFIX
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# An account whose verified email is on one of these domains (or their subdomains) is an adviser's at once;
# others asking for adviser access wait for a region agent's decision.
ADVISER_EMAIL_DOMAINS = env_list(
    "ADVISER_EMAIL_DOMAINS",
    ["francetravail.fr", "pole-emploi.fr", "missionlocale.fr", "mission-locale.fr", "capemploi.fr"],
)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
# The portal's own French for some of django-allauth's strings (one word for email: « courriel »).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

MEDIA_ROOT = env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media"))  # uploaded files awaiting confirmation
STATIC_URL = "/static/"
STATIC_ROOT = env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))  # collectstatic writes here
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),  # marker clusters, from its XStatic package
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Background work (Django's Tasks framework, ADR 0012): tasks are stored in the database (django-tasks-db) and run by
# `manage.py db_worker` processes (README, "Deployment"). Two queues: "default" for short work (emails), "long" for
# imports and exports, so that a long import never holds an email back.
TASK_QUEUES = ["default", "long"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
# A background job (core.jobs) whose worker has not written its heartbeat for this long is taken as dead (the worker
# was killed): it is marked failed and may be retried.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 5)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 60)
# An import that ran longer than this also tells its author by email when it ends.
JOB_EMAIL_AFTER_SECONDS = env_int("JOB_EMAIL_AFTER_SECONDS", 60)
# Emails (core.mail): retried this many seconds after each failure, then recorded as failed for staff to see.
EMAIL_RETRY_DELAYS = [int(delay) for delay in env_list("EMAIL_RETRY_DELAYS", ["60", "300", "1800", "7200", "21600"])]

# Email (Django 6.1 MAILERS): SMTP in production, configured from the environment.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("DJANGO_EMAIL_HOST", "localhost"),
            "port": env_int("DJANGO_EMAIL_PORT", 25),
            "username": env_str("DJANGO_EMAIL_HOST_USER", ""),
            "password": env_str("DJANGO_EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
            "timeout": 20,
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "catalogue@localhost")

# Behind a reverse proxy that terminates TLS (README, "Deployment"): secure unless the environment says otherwise.
# The proxy must set X-Forwarded-Proto itself (overwriting any the client sent); HTTP is redirected to HTTPS, except
# the health check, which a load balancer may call over plain HTTP.
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", True) else None
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Request size caps: no request body beyond REQUEST_MAX_BYTES is read (413 at once; the proxy caps it too), form
# fields (not files) beyond DATA_UPLOAD_MAX_MEMORY_SIZE are refused, uploaded files over 2.5 MB go to a temporary
# file rather than memory.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 52_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_500_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_500_000
# Uploaded spreadsheets: reading one file stops after this many seconds (exchange/upload_safety.py).
SPREADSHEET_READ_SECONDS = env_int("SPREADSHEET_READ_SECONDS", 10)

# The region running this portal: its name shows in the layout, its departments bound the reference data.
PORTAL_REGION_NAME = env_str("PORTAL_REGION_NAME", "Île-de-France")
PORTAL_REGION_CODE = env_str("PORTAL_REGION_CODE", "11")
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
PORTAL_CONTACT_EMAIL = env_str("PORTAL_CONTACT_EMAIL", "catalogue-formations@region.example.org")
PORTAL_SITE_NAME = env_str("PORTAL_SITE_NAME", "Catalogue régional des formations au numérique")

# A published session not confirmed by its organisation for this many days is stale.
SESSION_STALE_AFTER_DAYS = env_int("SESSION_STALE_AFTER_DAYS", 30)
# Invitations to join an organisation and one-click confirmation links expire after these many days.
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 7)
CONFIRMATION_LINK_MAX_AGE_DAYS = env_int("CONFIRMATION_LINK_MAX_AGE_DAYS", 14)

# The loop from a search to a place in training (shortlists, candidatures, information meetings, alerts).
CANDIDATURES_PER_DAY = env_int("CANDIDATURES_PER_DAY", 5)  # by one person (account or shared list), against spam
PRESCRIPTIONS_PER_DAY = env_int("PRESCRIPTIONS_PER_DAY", 40)  # by one adviser
SHORTLIST_SHARE_DAYS = env_int("SHORTLIST_SHARE_DAYS", 30)  # validity of a shortlist's read-only link
SEARCH_ALERT_MAX_SESSIONS = env_int("SEARCH_ALERT_MAX_SESSIONS", 2000)  # broader searches get no alert
PERSONAL_DATA_RETENTION_MONTHS = env_int("PERSONAL_DATA_RETENTION_MONTHS", 12)  # after the session ended

# Map tiles for the map views (the list of results stays the primary view). Leaflet itself is served by the portal.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© les contributeurs d'OpenStreetMap")


def tile_origin(url: str) -> list[str]:
    """The tile server's origin, for the Content-Security-Policy (nothing when the tiles are the portal's own)."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content-Security-Policy (Django's own middleware): scripts and styles from the portal only, no inline script or
# style; the nonce is there for the admin, whose templates mark their few inline blocks with it.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *tile_origin(MAP_TILE_URL)],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# LHÉO imports: the official schema is not shipped with the portal (its licence does not allow it); point this at a
# copy of lheo-2.3.xsd to validate imports against it. Without it the portal's own checks still apply.
LHEO_XSD_PATH = env_str("LHEO_XSD_PATH", "")
LHEO_IMPORT_MAX_BYTES = env_int("LHEO_IMPORT_MAX_BYTES", 50_000_000)
# Feeds (import_lheo, sync_feeds) are streamed from disk: a regional feed of 100,000 sessions weighs about 200 MB.
LHEO_FEED_MAX_BYTES = env_int("LHEO_FEED_MAX_BYTES", 1_000_000_000)
# sync_feeds gives up on a feed not received within this time (a server may trickle bytes forever).
LHEO_FEED_FETCH_SECONDS = env_int("LHEO_FEED_FETCH_SECONDS", 1800)

# Read-only public API: JSON only, no session or login, anonymous requests throttled.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousThrottle"],
    "UNAUTHENTICATED_USER": None,
    # How many reverse proxies add to X-Forwarded-For: 0 means the client is REMOTE_ADDR, so a forged header
    # cannot escape the throttle. Behind one proxy, set API_NUM_PROXIES=1. The counters live in the shared cache
    # (Redis), so every web process counts against the same limit.
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0),
}
API_ANONYMOUS_RATE = env_str("API_ANONYMOUS_RATE", "120/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "API du catalogue régional des formations au numérique",
    "DESCRIPTION": "Actions et sessions de formation publiées, avec les critères de la recherche du portail. "
    "Lecture seule, sans authentification ; données sous Licence Ouverte / Etalab 2.0.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# The shared cache: Redis in production (REDIS_URL), for the cache, the API throttle, allauth's login and email
# limits, so that every web process counts against the same limits. Production
# refuses to start without it (core/apps.py); development and tests use a per-process memory cache unless
# REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
SHARED_CACHE_REQUIRED = True


def caches_from_environment(redis_url: str) -> dict:
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "catalogue"),
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


CACHES = caches_from_environment(REDIS_URL)

# Open data files (exchange/open_data_files.py): where they are written, and how long at least between two builds.
OPEN_DATA_ROOT = env_str("OPEN_DATA_ROOT", str(BASE_DIR / "var" / "open-data"))
OPEN_DATA_MIN_INTERVAL_SECONDS = env_int("OPEN_DATA_MIN_INTERVAL_SECONDS", 300)

# Logs: one JSON line per record on standard error, one record per request with its time (core/middleware.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "portal.requests": {"handlers": ["console"], "level": env_str("REQUEST_LOG_LEVEL", "INFO"), "propagate": False},
        "portal": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
