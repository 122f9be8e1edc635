"""Pages of the run path: the health check and the answer to a database outage."""

import logging
import sys
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import server_error

logger = logging.getLogger("portal")

RETRY_AFTER_SECONDS = 30


@transaction.non_atomic_requests  # the check opens its own connection: a failure to connect is its answer
@never_cache
@require_safe
def health(request):
    """`/sante/`: 200 when the database and the cache both answer, else 503; each part says what it found."""
    checks = {}
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError as error:
        checks["database"] = f"erreur : {type(error).__name__}"
    try:
        key = "health:probe"
        cache.set(key, "ok", 10)
        checks["cache"] = "ok" if cache.get(key) == "ok" else "erreur : valeur non relue"
    except Exception as error:  # any backend's connection error
        checks["cache"] = f"erreur : {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "erreur", **checks, "ms": round((time.perf_counter() - started) * 1000, 1)}
    response = JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
    if not healthy:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_is_down(error: BaseException | None) -> bool:
    """An error that says the database cannot be reached (not a bug in a query)."""
    return isinstance(error, OperationalError | InterfaceError)


def server_error_or_outage(request, *args, **kwargs):
    """The 500 handler (config/urls.py): a database outage is a 503 with Retry-After and a French page rendered
    without the database; any other error is Django's own 500 page. Django calls this while it handles the error,
    so the error is the one being handled."""
    error = sys.exc_info()[1]
    if not database_is_down(error):
        return server_error(request, *args, **kwargs)
    context = {
        "portal_site_name": settings.PORTAL_SITE_NAME,
        "portal_region_name": settings.PORTAL_REGION_NAME,
        "retry_after": RETRY_AFTER_SECONDS,
    }
    try:
        page = render_to_string("503.html", context)
    except Exception:  # the page itself failing must not turn the outage into a 500
        logger.exception("The 503 page could not be rendered")
        page = "Service momentanément indisponible : réessayez dans quelques instants."
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
