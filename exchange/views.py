"""Downloads: open data (public) and the LHÉO export (region staff and organisations, through their own views)."""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .lheo_export import ExportScope, export_lheo, has_offer
from .open_data import COLUMNS as OPEN_DATA_COLUMNS
from .open_data import as_csv, as_json
from .open_data import rows as open_data_rows

LICENCE = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
OPEN_DATA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


@require_safe
def open_data(request):
    return render(request, "exchange/open_data.html", {"columns": OPEN_DATA_COLUMNS, "licence": LICENCE})


@require_safe
def open_data_file(request, fmt):
    """The current public sessions as CSV or JSON; any other format is a 404."""
    if fmt not in OPEN_DATA_TYPES:
        raise Http404("Seuls les formats CSV et JSON sont publiés.")
    today = timezone.localdate()
    source = open_data_rows(today=today, base_url=request.build_absolute_uri("/"))
    pieces = as_csv(source) if fmt == "csv" else as_json(source, licence=LICENCE)
    response = StreamingHttpResponse((piece.encode("utf-8") for piece in pieces), content_type=OPEN_DATA_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="catalogue-sessions-{today:%Y-%m-%d}.{fmt}"'
    return response


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
