"""Studio keys: a memorial's keys to the AUTOMATIC1111-compatible API (generation/sdapi.py).

A manager makes one on the members page or with ``POST /api/v1/memorials/<slug>/studio-keys/``;
its password is shown once and only its SHA-256 is kept (the password is 32 random bytes, so a
plain hash is as safe as a slow one and costs nothing per request). A client sends it as
AUTOMATIC1111's ``--api-auth`` does (HTTP Basic), or as ``Authorization: Bearer <username>:<password>``
or ``Bearer <username>.<password>`` (the single ``token``). Whether a key opens the API is
``memorial.permissions.studio_key_may_paint``'s to say.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from generation.models import StudioKey
from memorial import moderation, permissions
from memorial.models import Album

USERNAME_PREFIX = "studio-"
MAX_LABEL_CHARS = 80
MAX_ACTIVE_KEYS = 10


class KeyRefused(ValueError):
    pass


@dataclass(frozen=True)
class NewKey:
    """What is shown once: the key's record, and its username and password."""

    key: StudioKey
    password: str

    @property
    def username(self) -> str:
        return self.key.username

    @property
    def token(self) -> str:
        return f"{self.key.username}.{self.password}"


def _hash(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def create_key(*, memorial, by, label: str = "") -> NewKey:
    """A new key of ``memorial`` (its managers only: the view asks ``permissions``)."""
    label = " ".join((label or "").split())
    if len(label) > MAX_LABEL_CHARS:
        raise KeyRefused(
            _("Please keep the label under %(limit)d characters (this one has %(count)d).")
            % {"limit": MAX_LABEL_CHARS, "count": len(label)}
        )
    if StudioKey.objects.filter(memorial=memorial, revoked_at__isnull=True).count() >= MAX_ACTIVE_KEYS:
        raise KeyRefused(
            _("This memorial already has %(count)d studio keys. Revoke one it no longer needs first.")
            % {"count": MAX_ACTIVE_KEYS}
        )
    password = secrets.token_urlsafe(32)
    key = StudioKey.objects.create(
        memorial=memorial,
        label=label,
        username=USERNAME_PREFIX + secrets.token_hex(6),
        secret_hash=_hash(password),
        created_by=by,
    )
    return NewKey(key=key, password=password)


def revoke_key(*, key: StudioKey, by) -> StudioKey:
    """The key stops working at once; revoking a revoked key changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.revoked_by = by
        key.save(update_fields=["revoked_at", "revoked_by"])
        moderation.record(moderator=by, action="revoke_studio_key", target=key, memorial=key.memorial)
    return key


def keys_of(memorial):
    return StudioKey.objects.filter(memorial=memorial).select_related("created_by", "revoked_by")


# --- A request's key -----------------------------------------------------------------------------


def credentials(header: str) -> tuple[str, str] | None:
    """(username, password) from an ``Authorization`` header, or None when it holds none."""
    scheme, _space, value = (header or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            text = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, colon, password = text.partition(":")
        return (username, password) if colon else None
    if scheme.lower() == "bearer":
        for separator in (":", "."):
            username, found, password = value.partition(separator)
            if found and username.startswith(USERNAME_PREFIX):
                return username, password
    return None


def authenticate(header: str) -> StudioKey | None:
    """The key the header names, if its password is right and it may still paint; else None."""
    found = credentials(header)
    if found is None:
        return None
    username, password = found
    key = StudioKey.objects.select_related("memorial", "created_by").filter(username=username).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(password)):
        return None
    if not permissions.studio_key_may_paint(key):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        StudioKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


# --- Where what a key sends is kept ----------------------------------------------------------------


def studio_album(memorial, *, by) -> Album:
    """The memorial's "Studio" album (for the family only), made on first use."""
    with transaction.atomic():
        album = (
            Album.objects.select_for_update()
            .filter(memorial=memorial, family_only=True, deleted_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if album is None:
            with override(memorial.language):
                title = _("Studio")
                description = _(
                    "Photos sent to the painting API with a studio key. Only the family sees them; a painting "
                    "made from one is shown to guests once a manager publishes it."
                )
            album = Album.objects.create(
                memorial=memorial, title=title, description=description, family_only=True, created_by=by
            )
    album.memorial = memorial
    return album
