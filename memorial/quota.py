"""What one memorial may take in storage: its photos' originals, screen copies and thumbnails, and
what other apps store for it (paintings and their recordings, registered through
``memorial.extensions``), against MEMORIAL_STORAGE_QUOTA_BYTES.

What is in the bin does not count: deleting makes room at once (the bin is emptied after
MEMORIAL_RESTORE_DAYS). An upload that would go over is refused before anything of it is stored, with a sentence saying
how much is used and what to do; the managers see the usage on the album pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from memorial import extensions
from memorial.imaging import ImageRejected
from memorial.models import Memorial, Photo


@dataclass(frozen=True)
class StorageUsage:
    used: int
    limit: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def full(self) -> bool:
        return self.used >= self.limit

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.limit)) if self.limit else 100

    @property
    def display(self) -> str:
        """ "1.2 GB of 5.0 GB used" """
        return _("%(used)s of %(limit)s used") % {
            "used": filesizeformat(self.used),
            "limit": filesizeformat(self.limit),
        }


def limit() -> int:
    return settings.MEMORIAL_STORAGE_QUOTA_BYTES


def used_bytes(memorial: Memorial) -> int:
    total = Photo.objects.filter(
        album__memorial=memorial, deleted_at__isnull=True, album__deleted_at__isnull=True
    ).aggregate(total=Sum(F("original_size") + F("screen_bytes") + F("thumbnail_bytes")))["total"]
    return int(total or 0) + extensions.storage_used(memorial)


def usage(memorial: Memorial) -> StorageUsage:
    return StorageUsage(used=used_bytes(memorial), limit=limit())


def require_room(memorial: Memorial, needed: int) -> None:
    """Raises ImageRejected (code "storage_full") when ``needed`` more bytes would not fit."""
    current = usage(memorial)
    if needed <= current.left and not current.full:
        return
    if current.full:
        message = _(
            "This memorial's storage is full (%(usage)s), so no more photos can be added. A manager can make "
            "room by deleting photos the family does not need, or ask the site's team for more space."
        ) % {"usage": current.display}
    else:
        message = _(
            "This photo does not fit in the memorial's storage: it needs %(needed)s and %(left)s is left "
            "(%(usage)s). A manager can make room by deleting photos the family does not need, or ask the "
            "site's team for more space."
        ) % {"needed": filesizeformat(needed), "left": filesizeformat(current.left), "usage": current.display}
    raise ImageRejected(message, code="storage_full")
