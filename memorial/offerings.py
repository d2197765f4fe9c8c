"""Candles, flowers (헌화) and incense (분향): one of each per visitor per day (the memorial's day,
in its time zone), counted per memorial.

A visitor is a signed-in person, or a guest's browser (its visitor cookie): twenty guests on one
Wi-Fi light twenty candles. A request without the cookie counts for its whole network."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count

from memorial.models import Memorial, Offering
from memorial.timezones import today_for


def make_offering(*, memorial: Memorial, kind: str, visitor_key: str) -> bool:
    """True when this visitor's offering was counted; False when they already made one today."""
    if kind not in Offering.Kind.values:
        raise ValueError(f"Unknown offering {kind!r}.")
    try:
        with transaction.atomic():
            Offering.objects.create(memorial=memorial, kind=kind, visitor_key=visitor_key, day=today_for(memorial))
    except IntegrityError:
        return False
    from memorial.page_cache import offerings_changed

    offerings_changed(memorial.pk)
    return True


def offering_counts(memorial: Memorial) -> dict[str, int]:
    counts = dict.fromkeys(Offering.Kind.values, 0)
    for row in Offering.objects.filter(memorial=memorial).values("kind").annotate(n=Count("pk")):
        counts[row["kind"]] = row["n"]
    return counts


def visitor_key_for(request) -> str:
    """Who "one per visitor" counts (core/visitors.py): a signed-in person, a guest's visitor
    cookie, or, for a request without the cookie, its whole network."""
    from core import visitors

    visitors.remember(request)
    return visitors.visitor(request).key
