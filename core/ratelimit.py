"""Rate limits, per signed-in person and per address, on Django's cache (Redis when scaled out).

Views call `enforce(request, scope)`; a refusal raises `RateLimited`, which the middleware turns
into a 429 page and the API's exception handler into a 429 JSON answer, both with a clear
message and a Retry-After header. Sign-in and sign-up are limited by allauth's own
ACCOUNT_RATE_LIMITS.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def client_ip(request) -> str:
    # Behind the proxy, deploy/gunicorn.conf.py copies nginx's X-Real-IP into REMOTE_ADDR for
    # requests from trusted proxy addresses only, so a client cannot choose its own address.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hashed(value: str) -> str:
    """A stable key for an address that does not store the address itself."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:32]


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one hit; True while the key is within `limit` hits per `window` seconds."""
    bucket = int(time.time() // window)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 5):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 5)
        return True
    return count <= limit


def retry_after(window: int) -> int:
    return window - int(time.time() % window)


def _message(scope: str, seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    wait = ngettext("Please try again in %(minutes)d minute.", "Please try again in %(minutes)d minutes.", minutes) % {
        "minutes": minutes
    }
    reasons = {
        "condolence": _("You have left several messages in a short time."),
        "offering": _("You have made many offerings in a short time."),
        "upload": _("You have uploaded many photos in a short time."),
        "artwork": _("You have asked for many paintings in a short time."),
    }
    reason = reasons[scope] if scope in reasons else _("There were too many requests in a short time.")
    return f"{reason} {wait}"


def enforce(request, scope: str) -> None:
    """Count this request against the scope's limits for the person and the address."""
    per_user, per_address, window = settings.RATE_LIMITS[scope]
    checks = [("address", hashed(client_ip(request)), per_address)]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        checks.append(("user", str(user.pk), per_user))
    for kind, key, limit in checks:
        if not hit(f"{scope}:{kind}", key, limit=limit, window=window):
            wait = retry_after(window)
            raise RateLimited(_message(scope, wait), wait)


class RateLimitMiddleware:
    """Pages: a RateLimited error becomes a 429 page that says what happened and when to retry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            response = render(request, "429.html", {"message": exception.message}, status=429)
            response["Retry-After"] = str(exception.retry_after)
            return response
        return None


def api_exception_handler(exc, context):
    """The API: RateLimited becomes DRF's 429 with the same clear message."""
    from rest_framework import exceptions
    from rest_framework.views import exception_handler

    if isinstance(exc, RateLimited):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    return exception_handler(exc, context)
