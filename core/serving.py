"""Stored files sent to the people a view has already allowed to have them.

Two ways, one answer:

* ``MEDIA_ACCEL_PREFIX`` set (behind deploy/nginx) and the file on this machine's disk: Django
  answers with ``X-Accel-Redirect`` to an internal nginx location and an empty body; nginx sends
  the file (ranges included) and no gunicorn worker waits on a slow phone.
* otherwise (the embedded default, S3): Django streams the file itself, and answers a byte range
  (``Range: bytes=...``) with 206. Browsers need ranges to seek in a recording, and Safari asks
  for them before it plays one at all.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
_PAST_ANY_FILE = 10**18


def serve_file(request, field, *, content_type: str, attachment_name: str | None = None):
    """The file of ``field`` (a FieldFile). Http404 when it is not in storage (any more)."""
    internal = _accel_path(field)
    if internal is not None:
        if not field.storage.exists(field.name):
            raise Http404("This file is no longer stored.")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = internal
    else:
        try:
            response = _streamed(request, field, content_type)
        except FileNotFoundError:
            raise Http404("This file is no longer stored.") from None
    if attachment_name is not None:
        response["Content-Disposition"] = content_disposition_header(True, attachment_name)
    return response


def cache_for_viewers(response, *, public: bool):
    """A viewer's own browser keeps a served photo, painting or recording for an hour. Shared
    caches (a CDN, a proxy) keep one of a public memorial for a minute at most: a family may
    make the memorial private, and the file must stop being served to others soon after."""
    response["Cache-Control"] = "public, max-age=3600, s-maxage=60" if public else "private, max-age=3600"
    return response


def _accel_path(field) -> str | None:
    prefix = getattr(settings, "MEDIA_ACCEL_PREFIX", "")
    storage = field.storage
    if not prefix or not isinstance(storage, FileSystemStorage):
        return None
    roots = {"media": settings.MEDIA_ROOT, "private": settings.PRIVATE_MEDIA_ROOT}
    for area, root in roots.items():
        if os.path.abspath(storage.location) == os.path.abspath(root):
            # Names are the ones our upload_to functions made; quote them all the same.
            return f"{prefix.rstrip('/')}/{area}/{quote(field.name)}"
    return None


def _streamed(request, field, content_type: str):
    # Through the storage, not field.open(): that would keep the handle on the model instance,
    # which guests' requests share (memorial/page_cache.py).
    handle = field.storage.open(field.name, "rb")
    size = handle.size
    wanted = _byte_range(request.headers.get("Range", ""), size)
    if wanted is None:  # no range asked (or one we do not serve): the whole file
        response = FileResponse(handle, content_type=content_type)
    elif wanted == "unsatisfiable":
        handle.close()
        response = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = wanted
        handle.seek(start)
        response = StreamingHttpResponse(_read(handle, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response


def _byte_range(header: str, size: int):
    """(start, end) inclusive, "unsatisfiable", or None for no range, a malformed one or several
    (RFC 9110 lets a server answer those with the whole file)."""
    match = _RANGE.match(header.strip())
    if not match or not any(match.groups()):
        return None
    first, last = (_position(group) if group else None for group in match.groups())
    if first is not None:
        start = first
        end = min(last, size - 1) if last is not None else size - 1
        if last is not None and last < start:
            return None
    else:  # the last N bytes
        length = last
        if length == 0:
            return "unsatisfiable"
        start, end = max(0, size - length), size - 1
    if start >= size:
        return "unsatisfiable"
    return start, end


def _position(digits: str) -> int:
    """A byte position as written in a Range header. Thousands of digits (more than ``int()``
    reads, and more than any file holds) are read as "past the end" rather than failing."""
    significant = digits.lstrip("0")
    return int(significant or "0") if len(significant) <= 18 else _PAST_ANY_FILE


def _read(handle, remaining: int):
    try:
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()
