"""Prepared files served by Django with what a download manager expects: ETag and Last-Modified (answered 304
when unchanged), a single byte range (206, or 416 when outside the file; If-Range honoured), and a precompressed
gzip variant for clients that accept it. The file is streamed from disk: no database work, little memory."""

import re
from datetime import datetime
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def accepts_gzip(request) -> bool:
    for part in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00"):
            return True
    return False


def byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) of a single satisfiable range; None when there is no usable range (whole file); False when
    the range cannot be satisfied (416)."""
    match = RANGE.match(header.strip())
    if not match:
        return None  # several ranges or another unit: the whole file, as RFC 9110 allows
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return False
    return start, end


def _slice(path: Path, start: int, end: int):
    with open(path, "rb") as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                return
            left -= len(data)
            yield data


def prepared_file_response(
    request,
    *,
    path: Path,
    size: int,
    etag: str,
    last_modified: datetime,
    content_type: str,
    gzipped: bool,
    filename: str,
    max_age: int = 300,
):
    etag = quote_etag(etag)
    timestamp = int(last_modified.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        wanted = byte_range(request.META.get("HTTP_RANGE", ""), size) if "HTTP_RANGE" in request.META else None
        if_range = request.META.get("HTTP_IF_RANGE")
        if wanted is not None and if_range and if_range.strip() not in (etag, http_date(timestamp)):
            wanted = None  # the client's copy is of another version: send the whole file
        if wanted is False:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
        elif wanted:
            start, end = wanted
            response = StreamingHttpResponse(_slice(path, start, end), status=206, content_type=content_type)
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(end - start + 1)
        else:
            response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 (closed by Django)
            response["Content-Length"] = str(size)
        if request.method == "HEAD" and response.status_code in (200, 206):
            length = response["Content-Length"]
            response.close()
            response = HttpResponse(status=response.status_code, content_type=content_type)
            response["Content-Length"] = length
    response["ETag"] = etag
    response["Last-Modified"] = http_date(timestamp)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = f"public, max-age={max_age}"
    if gzipped and response.status_code != 416:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    if response.status_code in (200, 206):
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
