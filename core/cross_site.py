"""A request from another website does not act as a guest of this one.

Pages are covered by Django's CSRF check (every form carries the token). The API is used by
browsers (the site's own pages), by apps with a token, and by guests' scripts with no credentials
at all. DRF checks CSRF only for a signed-in session, so without more, any web page could make its
visitors' browsers post condolences, light candles or report messages here. So, for an unsafe
request that neither a token nor a session signs in (``SessionAuthentication`` below, the API's
last authentication):

* a browser says where the request comes from (``Origin``; ``Referer`` when there is no Origin):
  it must be this site itself (the host asked for, ``SITE_URL``, or ``CSRF_TRUSTED_ORIGINS``),
  otherwise 403 with a clear ``detail``; an ``Origin: null`` (a sandboxed or privacy-stripped
  page) is not this site;
* a client that sends neither is not a browser (every browser sends ``Origin`` with a POST, PUT,
  PATCH or DELETE): it keeps working, under the guests' limits (core/ratelimit.py).

Session-authenticated requests keep DRF's CSRF check; token-authenticated clients are not
browsers' ambient credentials and keep working.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import is_same_domain
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_this_site(request, origin: str) -> bool:
    """Whether a browser's ``Origin`` (or the origin of its ``Referer``) is this site's."""
    origin = origin.strip().lower()
    if not origin or origin == "null":
        return False
    scheme = "https" if request.is_secure() else "http"
    if origin == f"{scheme}://{request.get_host()}".lower():
        return True
    trusted = [value.lower() for value in settings.CSRF_TRUSTED_ORIGINS]
    site = _origin_of(settings.SITE_URL)
    if origin in trusted or origin == site:
        return True
    # As Django's CSRF check reads them: "https://*.example.org" trusts every subdomain.
    parsed = urlsplit(origin)
    for value in trusted:
        pattern = urlsplit(value)
        if "*" in pattern.netloc and pattern.scheme == parsed.scheme:
            if is_same_domain(parsed.netloc, pattern.netloc.removeprefix("*")):
                return True
    return False


def comes_from_another_site(request) -> bool:
    """True for a browser's request made by another website's page; False for this site's own
    pages and for clients that are not browsers (no Origin, no Referer)."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        referer = request.META.get("HTTP_REFERER", "")
        if not referer:
            return False
        origin = _origin_of(referer) or "null"
    return not is_this_site(request, origin)


class CrossSiteRequest(exceptions.PermissionDenied):
    default_code = "cross_site"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (with its CSRF check for a signed-in session), which also
    refuses an unsafe request of a signed-out browser made by another website."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None and request.method not in SAFE_METHODS and comes_from_another_site(request):
            raise CrossSiteRequest(
                _(
                    "This request came from another website. Guests can light candles, leave messages "
                    "and report them only on this site's own pages."
                )
            )
        return result


try:  # the API's schema names this as the session (cookie) scheme it is
    from drf_spectacular.authentication import SessionScheme

    class _SessionScheme(SessionScheme):
        target_class = "core.cross_site.SessionAuthentication"

except ImportError:  # pragma: no cover - drf-spectacular is installed with the site
    pass
