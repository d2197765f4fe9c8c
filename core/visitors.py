"""Who a guest is, for limits and "once per visitor": a first-party cookie together with the network.

At a funeral hall's Wi-Fi, or behind a mobile carrier's shared address, every guest has the same
IP address; on IPv6 one person has a whole /64 of them. So a guest is known by:

* a **visitor cookie**: a random id the site gives the browser (signed, so a script cannot invent
  ids of its own; HttpOnly; SameSite=Lax; Secure on an HTTPS site; kept for a year), and
* the **network** it comes from: its IPv4 address, or its IPv6 address's /64.

Twenty guests on one Wi-Fi are twenty visitors of one network: each lights a candle and leaves a
message, while the network as a whole has a ceiling (core/ratelimit.py). A request that does not
carry the cookie (a script that drops cookies) counts against its network's stricter budget for
such requests, whoever it says it is.
Signed-in people are known as themselves.

``VisitorMiddleware`` reads the cookie and gives a browser that has none (or a forged one) a new
one on the memorial page and with the answer to any guest action (``remember``), so the API works
for guests too: a client that keeps cookies is a visitor from its second request on.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "core.visitors"


def client_ip(request) -> str:
    # Behind the proxy, deploy/gunicorn.conf.py copies nginx's X-Real-IP into REMOTE_ADDR for
    # requests from trusted proxy addresses only, so a client cannot choose its own address.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def network_of(address: str) -> str:
    """The network an address belongs to, as far as limits go: an IPv4 address itself (an IPv4
    address mapped into IPv6 too), an IPv6 address's /64 (what one home or phone is given)."""
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def hashed(value: str) -> str:
    """A stable key for an address or an id that does not store it."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Visitor:
    """Who is asking: a signed-in person (``user_id``), or a guest's browser (``cookie_id``, hashed),
    which ``has_cookie`` when it came with a valid visitor cookie, and is new otherwise."""

    network: str  # hashed
    user_id: int | None = None
    cookie_id: str | None = None
    has_cookie: bool = False

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def key(self) -> str:
        """One key per person: stored with offerings and reports ("once per visitor")."""
        if self.user_id is not None:
            return f"u:{self.user_id}"
        return f"v:{self.cookie_id}"


def _signer():
    return signing.get_cookie_signer(salt=SALT)


def _http_request(request):
    """The Django request under DRF's wrapper (attributes set on the wrapper stay there)."""
    return getattr(request, "_request", request)


def _cookie_id(request) -> str | None:
    value = request.COOKIES.get(settings.VISITOR_COOKIE_NAME)
    if not value:
        return None
    try:
        return _signer().unsign(value)
    except signing.BadSignature:
        return None


def _new_id(request) -> str:
    """The id this request's browser is given (the same however often it is asked for)."""
    http_request = _http_request(request)
    if not hasattr(http_request, "_visitor_new_id"):
        http_request._visitor_new_id = secrets.token_urlsafe(18)
    return http_request._visitor_new_id


def visitor(request) -> Visitor:
    """The visitor this request comes from. A guest without a (valid) visitor cookie is a new
    visitor: the id it is given with the answer (``remember``) is already theirs, so a client that
    keeps cookies is the same visitor from its first request on, and one that drops them is a new
    one each time, under its network's budget for requests without the cookie."""
    user = getattr(request, "user", None)
    network = hashed(network_of(client_ip(request)))
    if user is not None and user.is_authenticated:
        return Visitor(network=network, user_id=user.pk)
    cookie_id = _cookie_id(request)
    if cookie_id is not None:
        return Visitor(network=network, cookie_id=hashed(cookie_id), has_cookie=True)
    return Visitor(network=network, cookie_id=hashed(_new_id(request)))


def remember(request) -> None:
    """Give this browser a visitor cookie with the answer, if it has no valid one yet."""
    _http_request(request)._visitor_cookie_wanted = True


def set_cookie(response, request) -> None:
    response.set_cookie(
        settings.VISITOR_COOKIE_NAME,
        _signer().sign(_new_id(request)),
        max_age=settings.VISITOR_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )


class VisitorMiddleware:
    """Hands out the visitor cookie where ``remember`` asked for it (the memorial page, guest
    actions), to guests' browsers without a valid one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_visitor_cookie_wanted", False) and _cookie_id(request) is None:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                set_cookie(response, request)
        return response
