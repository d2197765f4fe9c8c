"""The public memorial page, cached for guests.

Most visitors of a memorial are guests who scanned the QR code on a funeral program, many at
once. For them the page is rendered once per content version and kept in the cache; what
differs per visitor is filled in on the way out: the CSRF token of the forms, and the
candle and flower counts (which change too often to be part of the cached page).

Every change to what the page shows bumps Memorial.content_version (memorial/signals.py), so a
cached page is never stale: its key holds the version.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db.models import F
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

from memorial.models import Memorial
from memorial.offerings import offering_counts

CSRF_PLACEHOLDER = "__memorial_csrf_token__"
OFFERINGS_PLACEHOLDER = "<!--memorial-offerings-->"
TIMEOUT = 60 * 60


def bump(memorial_id: int | None) -> None:
    if memorial_id is not None:
        Memorial.objects.filter(pk=memorial_id).update(content_version=F("content_version") + 1)


def cacheable(request) -> bool:
    """Guests only, and not right after a form (the page then shows them a message)."""
    if request.method != "GET" or request.user.is_authenticated or CookieStorage.cookie_name in request.COOKIES:
        return False
    # Messages too large for their cookie wait in the session.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or "_messages" not in request.session


def key(request, memorial: Memorial) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:24]
    return f"memorial-page:{memorial.pk}:{memorial.content_version}:{get_language()}:{path}"


def render_context_for_cache() -> dict:
    """What the page is rendered with when it goes into the cache: placeholders, not a visitor's data."""
    return {"csrf_token": CSRF_PLACEHOLDER, "offerings_placeholder": OFFERINGS_PLACEHOLDER}


# The counts change with every candle: kept briefly, dropped when an offering is made (a
# local-memory cache in another process may show them up to this late).
OFFERINGS_TIMEOUT = 30
LANGUAGES = [code for code, _ in settings.LANGUAGES]


def lookup(slug: str) -> Memorial | None:
    """What a cached page needs of its memorial, read from the database at every visit: a page
    made private is private at once."""
    return Memorial.objects.only("id", "slug", "visibility", "content_version", "deleted_at").filter(slug=slug).first()


def _offerings_key(memorial_id: int, language: str) -> str:
    return f"memorial-offerings:{memorial_id}:{language}"


def offerings_changed(memorial_id: int) -> None:
    cache.delete_many([_offerings_key(memorial_id, language) for language in LANGUAGES])


def _offerings_html(request, memorial: Memorial) -> str:
    key = _offerings_key(memorial.pk, get_language())
    html = cache.get(key)
    if html is None:
        context = {"memorial": memorial, "offerings": offering_counts(memorial), "csrf_token": CSRF_PLACEHOLDER}
        html = render_to_string("memorial/_offerings.html", context, request=request)
        cache.set(key, html, OFFERINGS_TIMEOUT)
    return html


def fill_in(request, memorial: Memorial, html: str) -> HttpResponse:
    html = html.replace(OFFERINGS_PLACEHOLDER, _offerings_html(request, memorial))
    html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-cache"  # the page is fresh at every visit; the server caches
    return response


def get(request, memorial: Memorial) -> str | None:
    return cache.get(key(request, memorial))


def put(request, memorial: Memorial, html: str) -> None:
    cache.set(key(request, memorial), html, TIMEOUT)
