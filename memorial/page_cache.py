"""The public memorial page and its photos, served to guests from memory.

Most visitors of a memorial are guests who scanned the QR code on a funeral program, many at
once. For them the page is rendered once per content version and kept; what differs per
visitor is filled in on the way out: the CSRF token of the forms, and the candle and flower
counts (which change too often to be part of the rendering).

Two levels:

* the shared cache (local memory, or Redis in the scale-out setup) keeps renderings, keyed by
  the memorial's content version: every change to what the page shows bumps
  Memorial.content_version (memorial/signals.py), so a rendering is never stale;
* each web process remembers, for ``MEMORIAL_PAGE_FRESH_SECONDS`` (default 1 s), what it last
  read of a memorial (its visibility, deletion and content version), its candle counts and the
  rendering itself, and the photos its thumbnails are fetched for. A guest then costs no query
  at all. A change made in this process is seen at once (the process forgets what it
  remembered of that memorial); a change made in another process is seen here within those
  seconds: a memorial made private or deleted disappears for every guest within a second.
  0 reads the memorial from the database at every visit.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

from memorial import timezones
from memorial.models import Memorial, Photo
from memorial.offerings import offering_counts

CSRF_PLACEHOLDER = "__memorial_csrf_token__"
OFFERINGS_PLACEHOLDER = "<!--memorial-offerings-->"
TIMEOUT = 60 * 60
# The counts change with every candle: kept briefly in the shared cache, dropped when an
# offering is made (a local-memory cache in another process may show them up to this late).
OFFERINGS_TIMEOUT = 30
LANGUAGES = [code for code, _ in settings.LANGUAGES]
# What one process keeps in memory: renderings of about 60 KB each, and small records.
MAX_PAGES = 64
MAX_MEMORIALS = 1024
MAX_PHOTOS = 4096
# (time_zone and language: the memorial's "today", which the kept page depends on)
_FIELDS = ("id", "slug", "visibility", "content_version", "deleted_at", "time_zone", "language")


def bump(memorial_id: int | None) -> None:
    if memorial_id is not None:
        Memorial.objects.filter(pk=memorial_id).update(content_version=F("content_version") + 1)
        forget(memorial_id)


def cacheable(request) -> bool:
    """Guests only, and not right after a form (the page then shows them a message)."""
    if request.method != "GET" or request.user.is_authenticated or CookieStorage.cookie_name in request.COOKIES:
        return False
    # Messages too large for their cookie wait in the session.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or "_messages" not in request.session


_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def requested_page(request) -> int:
    """The page of messages asked for: a plain page number, or the first page for anything else
    (`` 2``, ``02``, ``٢``, ``2.0``, ``x``: one spelling per page, so one kept rendering)."""
    page = request.GET.get("page", "1")
    return int(page) if _PAGE_NUMBER.fullmatch(page) else 1


def guest_page_count(memorial: Memorial) -> int:
    """How many pages of messages a guest has, for this content version (read once per version)."""
    count_key = f"memorial-condolence-pages:{memorial.pk}:{memorial.content_version}"
    pages = _pages.get(count_key)
    if pages is None:
        pages = cache.get(count_key)
        if pages is None:
            from django.contrib.auth.models import AnonymousUser
            from django.core.paginator import Paginator

            from memorial.selectors import CONDOLENCES_PER_PAGE, visible_condolences

            pages = Paginator(visible_condolences(memorial, AnonymousUser()), CONDOLENCES_PER_PAGE).num_pages
            cache.set(count_key, pages, TIMEOUT)
        _pages.put(count_key, pages)
    return pages


def condolence_page(request, memorial: Memorial) -> int:
    """The only part of the address a guest's page depends on: the page of messages, one that
    exists (past the last one is the last one, as the page shows it). Anything else (a share
    link's ``?fbclid=...``, a page number spelt another way) gets the same rendering, and is not
    written into it, so no address makes a rendering that is not one of the memorial's pages."""
    page = requested_page(request)
    return 1 if page == 1 else min(page, guest_page_count(memorial))


def canonical_path(request, memorial: Memorial) -> str:
    page = condolence_page(request, memorial)
    return memorial.get_absolute_url() + ("" if page == 1 else f"?page={page}")


def key(request, memorial: Memorial) -> str:
    """One rendering per content version, language, page of messages, and day where the family
    is: the page shows the coming remembrance days and, on one, its banner (memorial/remembrance.py),
    so a page kept yesterday is not served after the family's midnight."""
    today = timezones.today_for(memorial).isoformat()
    page = condolence_page(request, memorial)
    return f"memorial-page:{memorial.pk}:{memorial.content_version}:{get_language()}:{page}:{today}"


def render_context_for_cache(request, memorial: Memorial) -> dict:
    """What the page is rendered with when it is kept: placeholders, not a visitor's data."""
    return {
        "csrf_token": CSRF_PLACEHOLDER,
        "offerings_placeholder": OFFERINGS_PLACEHOLDER,
        "next_path": canonical_path(request, memorial),
        "condolence_page": condolence_page(request, memorial),
    }


# --- what this process remembers ---------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    record: object  # a Memorial (only _FIELDS), a Photo or an Artwork: shared between requests, never changed
    memorial_id: int
    until: float
    offerings: dict = field(default_factory=dict)  # memorials only: language -> HTML of the counts


class _Memory:
    """A small, thread-safe LRU of what this process read recently (runserver serves requests
    on threads; gunicorn's sync workers one at a time)."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def drop(self, test) -> None:
        with self.lock:
            for key in [key for key, value in self.items.items() if test(key, value)]:
                del self.items[key]

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_kept: list[_Memory] = []  # every memory of records that belong to a memorial


def memory(size: int = MAX_PHOTOS) -> _Memory:
    """A memory of records that belong to a memorial (key -> _Seen), forgotten with it. Other
    apps keep their guest records here too (generation: the gallery's paintings), through
    ``recall``."""
    kept = _Memory(size)
    _kept.append(kept)
    return kept


_memorials = memory(MAX_MEMORIALS)  # slug -> _Seen
_photos = memory(MAX_PHOTOS)  # photo id -> _Seen
_pages = _Memory(MAX_PAGES)  # key() -> HTML
_now = time.monotonic


def forget(memorial_id: int) -> None:
    """This process forgets what it read of the memorial: at once, and again when the change
    commits (a request on another thread may have read the old state in between)."""

    def drop():
        for kept in _kept:
            kept.drop(lambda key, seen: seen.memorial_id == memorial_id)

    drop()
    transaction.on_commit(drop)


def forget_everything() -> None:
    for kept in _kept:
        kept.clear()
    _pages.clear()


def recall(memory: _Memory, key, load, memorial_id_of):
    """``load()``'s record, read from the database at most once per MEMORIAL_PAGE_FRESH_SECONDS
    in this process (None, not found, is not kept)."""
    seen = memory.get(key)
    now = _now()
    if seen is not None and seen.until > now:
        return seen.record
    record = load()
    if record is not None and settings.MEMORIAL_PAGE_FRESH_SECONDS > 0:
        memory.put(key, _Seen(record, memorial_id_of(record), now + settings.MEMORIAL_PAGE_FRESH_SECONDS))
    return record


def lookup(slug: str) -> Memorial | None:
    """What a kept page needs of its memorial."""
    return recall(_memorials, slug, lambda: Memorial.objects.only(*_FIELDS).filter(slug=slug).first(), lambda m: m.pk)


def get(request, memorial: Memorial) -> str | None:
    page_key = key(request, memorial)
    html = _pages.get(page_key)
    if html is None:
        html = cache.get(page_key)
        if html is not None:
            _pages.put(page_key, html)
    return html


def put(request, memorial: Memorial, html: str) -> None:
    page_key = key(request, memorial)
    cache.set(page_key, html, TIMEOUT)
    _pages.put(page_key, html)


# --- the page's photos ---------------------------------------------------------------------------


def guest_photo(photo_id: int) -> Photo | None:
    """A photo with its memorial, for a guest's phone fetching the page's thumbnails (one request
    per photo), kept like the memorial and forgotten with it. Without the long texts: a life
    story per photo would be kept thousands of times over."""
    query = Photo.objects.select_related("album__memorial").defer("album__description", "album__memorial__life_story")
    return recall(_photos, photo_id, lambda: query.filter(pk=photo_id).first(), lambda p: p.album.memorial_id)


# --- candles and flowers --------------------------------------------------------------------


def _offerings_key(memorial_id: int, language: str) -> str:
    return f"memorial-offerings:{memorial_id}:{language}"


def offerings_changed(memorial_id: int) -> None:
    cache.delete_many([_offerings_key(memorial_id, language) for language in LANGUAGES])
    forget(memorial_id)


def _offerings_html(request, memorial: Memorial) -> str:
    language = get_language()
    seen = _memorials.get(memorial.slug)
    remembered = seen is not None and seen.record is memorial
    if remembered and language in seen.offerings:
        return seen.offerings[language]
    html = cache.get(_offerings_key(memorial.pk, language))
    if html is None:
        context = {"memorial": memorial, "offerings": offering_counts(memorial), "csrf_token": CSRF_PLACEHOLDER}
        html = render_to_string("memorial/_offerings.html", context, request=request)
        cache.set(_offerings_key(memorial.pk, language), html, OFFERINGS_TIMEOUT)
    if remembered:
        seen.offerings[language] = html  # forgotten with the memorial, within the freshness window
    return html


def fill_in(request, memorial: Memorial, html: str) -> HttpResponse:
    html = html.replace(OFFERINGS_PLACEHOLDER, _offerings_html(request, memorial))
    html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-cache"  # the page is fresh at every visit; the server caches
    return response
