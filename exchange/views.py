"""Downloads: open data (public) and the LHÉO export (region staff and organisations, through their own views)."""

from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.files import accepts_gzip, prepared_file_response

from .lheo_export import ExportScope, export_lheo, has_offer
from .open_data import COLUMNS as OPEN_DATA_COLUMNS
from .open_data_files import FORMATS, LICENCE, build_once_if_missing, published


@require_safe
def open_data(request):
    """The open data page, with the time of the files' last build (read from their manifest, not the database)."""
    context = {"columns": OPEN_DATA_COLUMNS, "licence": LICENCE, "published": published()}
    return render(request, "exchange/open_data.html", context)


@transaction.non_atomic_requests  # no transaction, no connection: the files are served from disk
@require_safe
def open_data_file(request, fmt):
    """The current public sessions as CSV or JSON, from the files `publish_open_data` prepared (built once here
    when none exist yet); any other format is a 404."""
    if fmt not in FORMATS:
        raise Http404("Seuls les formats CSV et JSON sont publiés.")
    current = published() or build_once_if_missing()
    variant, gzipped = current.variant(fmt, gzip_ok=accepts_gzip(request))
    built_on = timezone.localtime(current.built_at)
    return prepared_file_response(
        request,
        path=variant.path,
        size=variant.size,
        etag=variant.etag,
        last_modified=current.built_at,
        content_type=FORMATS[fmt],
        gzipped=gzipped,
        filename=f"catalogue-sessions-{built_on:%Y-%m-%d}.{fmt}",
    )


def lheo_download(scope: ExportScope, name: str):
    """The published offer within `scope` in LHÉO 2.3, streamed; a French 404 when there is nothing to export."""
    today = timezone.localdate()
    if not has_offer(scope, today=today):
        return HttpResponse(
            "Aucune offre publiée à exporter : le format LHÉO demande au moins une formation avec une session.",
            content_type="text/plain; charset=utf-8",
            status=404,
        )
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in export_lheo(scope, today=today)), content_type="application/xml"
    )
    response["Content-Disposition"] = f'attachment; filename="lheo-{name}-{today:%Y-%m-%d}.xml"'
    return response
