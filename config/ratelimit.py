"""A small fixed-window rate limit on Django's cache (Redis in the scale-out setup)."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def client_ip(request) -> str:
    # The proxy in front (deploy/nginx) sets REMOTE_ADDR to the real address with its realip module.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hashed(value: str) -> str:
    """A stable key for an address that does not store the address itself."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:32]


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one hit; True while the key is within `limit` hits per `window` seconds."""
    bucket = int(time.time() // window)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 5):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 5)
        return True
    return count <= limit


def retry_after(window: int) -> int:
    return window - int(time.time() % window)
