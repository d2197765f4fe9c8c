"""Rate limits, per person, per guest and per network, on Django's cache (Redis when scaled out).

Views call `enforce(request, scope)`; a refusal raises `RateLimited`, which the middleware turns
into a 429 page and the API's exception handler into a 429 JSON answer, both with a clear
message and a Retry-After header. Sign-in and sign-up are limited by allauth's own
ACCOUNT_RATE_LIMITS.

Who is counted (core/visitors.py): a signed-in person by themselves (and, with a generous
ceiling, everyone signed in on their network together); a guest by their visitor cookie, and all
guests of one network (an IPv4 address, an IPv6 /64) together under a higher ceiling; a request
without the visitor cookie against its network's stricter budget for such requests. So twenty
guests on a funeral hall's Wi-Fi each light a candle, while one script cannot pose as twenty.
`settings.RATE_LIMITS` holds, per scope: ``person``, ``visitor``, ``network`` (guests of one
network together), ``cookieless`` (guests of one network without the cookie, together),
``people_network`` (signed-in people of one network together) and ``window`` (seconds).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import visitors
from core.visitors import client_ip, hashed  # noqa: F401 - where other modules have found them


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


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


def _message(scope: str, seconds: int, kind: str = "") -> str:
    minutes = max(1, round(seconds / 60))
    wait = ngettext("Please try again in %(minutes)d minute.", "Please try again in %(minutes)d minutes.", minutes) % {
        "minutes": minutes
    }
    reasons = {
        "condolence": _("You have left several messages in a short time."),
        "offering": _("You have made many offerings in a short time."),
        "upload": _("You have uploaded many photos in a short time."),
        "artwork": _("You have asked for many paintings in a short time."),
        "report": _("You have reported many messages in a short time."),
        "export": _("You have asked for many downloads of everything in a short time."),
    }
    reason = reasons[scope] if scope in reasons else _("There were too many requests in a short time.")
    if kind == "cookieless":
        # Said to a browser (or a script) that did not keep the site's visitor cookie.
        reason += " " + _(
            "Your browser did not keep this site's cookie, so you are counted together with everyone "
            "on your network. Allow cookies for this site to be counted on your own."
        )
    elif kind in ("network", "people_network"):
        reason = _("Many people on your network (such as a shared Wi-Fi) have done this in a short time.")
    return f"{reason} {wait}"


def rule(scope: str) -> dict:
    """The scope's limits, as a dict (a (per person, per address, window) tuple is read too)."""
    limits = settings.RATE_LIMITS[scope]
    if isinstance(limits, dict):
        person, window = limits["person"], limits.get("window", 3600)
        network = limits.get("network", person * 2)
        return {
            "person": person,
            "visitor": limits.get("visitor", person),
            "network": network,
            "cookieless": limits.get("cookieless", limits.get("visitor", person)),
            "people_network": limits.get("people_network", max(network, person * 10)),
            "window": window,
        }
    person, address, window = limits
    return {
        "person": person,
        "visitor": address,
        "network": address,
        "cookieless": address,
        "people_network": address,
        "window": window,
    }


def enforce(request, scope: str) -> None:
    """Count this request against the scope's limits: the person's or the guest's own first, then
    their network's (a refusal of the first does not use up the network's)."""
    limits = rule(scope)
    who = visitors.visitor(request)
    if who.signed_in:
        checks = [("person", str(who.user_id)), ("people_network", who.network)]
    else:
        visitors.remember(request)  # a browser without the cookie gets one with this answer
        checks = [("visitor", who.cookie_id), ("network", who.network)]
        if not who.has_cookie:  # the id it is given now is theirs, if they keep it
            checks.insert(0, ("cookieless", who.network))
    window = limits["window"]
    for kind, key in checks:
        if not hit(f"{scope}:{kind}", key, limit=limits[kind], window=window):
            wait = retry_after(window)
            raise RateLimited(_message(scope, wait, kind), wait)


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
