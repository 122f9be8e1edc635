"""Read replicas: public read-only pages read the catalogue from a streaming replica when `DATABASE_REPLICA_URL` is
set; everything else reads and writes the primary (README, "Read replicas"; ADR 0011).

- `ReplicaMiddleware` decides per request: a GET or HEAD to one of `PUBLIC_READ_VIEWS` (search, detail, map,
  calendar files, API, open data) reads from the replica, unless the person wrote something in the last
  `DATABASE_REPLICA_PIN_SECONDS` (a cookie set on every POST, PUT, PATCH or DELETE: they see their own write), or the
  replica lags more than `DATABASE_REPLICA_MAX_LAG_SECONDS` behind the primary, or cannot be reached.
- `ReplicaRouter` then sends that request's reads of the catalogue's models (`REPLICA_APPS`, `REPLICA_MODELS`) to the replica; every
  write, every other model (people, their sessions) and every other request go to the primary.
- The lag is measured on the replica (time since the last transaction replayed, 0 when everything received is
  replayed) at most once per `DATABASE_REPLICA_LAG_CHECK_SECONDS` per process.
"""

import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
# Views whose GET and HEAD requests may read from the replica: public, read-only, cacheable by anyone.
PUBLIC_READ_VIEWS = frozenset(
    {
        "home",
        "search",
        "search_map",
        "commune_suggestions",
        "action_detail",
        "session_ical",
        "accessibility",
        "open_data",
        "open_data_file",
        "api_documentation",
        "api_schema",
        "api_actions",
        "api_action",
        "api_sessions",
    }
)
# Apps whose models those views read from the replica (app labels); people and their sessions stay on the primary.
REPLICA_APPS = frozenset({"catalogue", "training_sessions", "organisms"})
# Public models of other apps that those views show too (information meetings appear in results and on detail pages).
REPLICA_MODELS = frozenset({"candidatures.informationmeeting"})
PIN_COOKIE = "primary_until"

_reads_from: ContextVar[str | None] = ContextVar("reads_from", default=None)

LAG_SQL = """
SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END
"""


def has_replica() -> bool:
    return REPLICA in connections.settings


class LagProbe:
    """The replica's lag, measured at most once per interval in this process (None: unreachable)."""

    def __init__(self):
        self.checked_at = float("-inf")
        self.lag: float | None = None

    def current(self) -> float | None:
        now = time.monotonic()
        if now - self.checked_at >= settings.DATABASE_REPLICA_LAG_CHECK_SECONDS:
            self.checked_at = now
            self.lag = replica_lag()
        return self.lag

    def forget(self) -> None:
        self.checked_at = float("-inf")


def replica_lag() -> float | None:
    """Seconds the replica is behind the primary; None when it cannot be reached."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            return float(cursor.fetchone()[0])
    except DatabaseError:
        logger.warning("Réplique injoignable : lectures sur la base principale.", exc_info=True)
        connections[REPLICA].close()
        return None


PROBE = LagProbe()


def replica_usable() -> bool:
    lag = PROBE.current()
    return lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS


def pinned_to_primary(request) -> bool:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reads_from.set(None)
        try:
            response = self.get_response(request)
        finally:
            _reads_from.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and has_replica():
            until = time.time() + settings.DATABASE_REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{until:.0f}",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            has_replica()
            and request.method in ("GET", "HEAD")
            and request.resolver_match is not None
            and request.resolver_match.url_name in PUBLIC_READ_VIEWS
            and not pinned_to_primary(request)
            and replica_usable()
        ):
            _reads_from.set(REPLICA)
        return None


class ReplicaRouter:
    """Reads of the catalogue's models go where the middleware said (the replica or, by default, the primary)."""

    def db_for_read(self, model, **hints):
        public = model._meta.app_label in REPLICA_APPS or model._meta.label_lower in REPLICA_MODELS
        if public and _reads_from.get() == REPLICA:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
