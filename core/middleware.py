"""Middleware of the production run path: one log line per request with its time, and the request size cap."""

import logging
import time

from django.conf import settings
from django.http import HttpResponse
from django.utils.functional import empty

logger = logging.getLogger("portal.requests")


class RequestLogMiddleware:
    """One structured line per request: method, path, status, duration in milliseconds, response size, client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "bytes": None if response.streaming else len(response.content),
                "client": request.META.get("REMOTE_ADDR", ""),
                # Only an id already loaded by the request: logging never queries the database.
                "user_id": user.pk if loaded(user) and user.is_authenticated else None,
            },
        )
        return response


class RequestSizeLimitMiddleware:
    """A request whose declared body exceeds REQUEST_MAX_BYTES is answered 413 before any of it is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return HttpResponse(
                f"Envoi trop volumineux : {length / 1e6:.0f} Mo, {settings.REQUEST_MAX_BYTES / 1e6:.0f} Mo au plus. "
                "Les fichiers de sessions font 5 Mo au plus, les fichiers LHÉO "
                f"{settings.LHEO_IMPORT_MAX_BYTES / 1e6:.0f} Mo.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def loaded(user) -> bool:
    """Whether the request's lazy user was already read (reading it here would query the database)."""
    return user is not None and getattr(user, "_wrapped", empty) is not empty
