"""Memorials, their timeline and albums: the writes."""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from memorial.models import Album, Membership, Memorial, Role, TimelineEvent

MEMORIAL_FIELDS = (
    "full_name",
    "name_other_script",
    "born_on",
    "born_precision",
    "died_on",
    "died_precision",
    "place",
    "life_story",
    "language",
    "visibility",
    "condolence_policy",
)


@transaction.atomic
def create_memorial(*, by, full_name: str, **fields) -> Memorial:
    unknown = set(fields) - set(MEMORIAL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown memorial fields: {', '.join(sorted(unknown))}")
    memorial = Memorial.objects.create(full_name=full_name.strip(), created_by=by, **fields)
    Membership.objects.create(memorial=memorial, user=by, role=Role.OWNER)
    Album.objects.create(memorial=memorial, title=default_album_title(memorial), created_by=by)
    return memorial


def default_album_title(memorial: Memorial) -> str:
    return "사진" if memorial.language == "ko" else "Photos"


def update_memorial(*, memorial: Memorial, **fields) -> Memorial:
    allowed = set(MEMORIAL_FIELDS) | {"cover_photo"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unknown memorial fields: {', '.join(sorted(unknown))}")
    if "cover_photo" in fields and fields["cover_photo"] is not None:
        if fields["cover_photo"].album.memorial_id != memorial.pk:
            raise ValueError("The cover photo must come from this memorial.")
    for name, value in fields.items():
        setattr(memorial, name, value)
    memorial.save()
    return memorial


def add_timeline_event(
    *, memorial: Memorial, kind: str, happened_on: datetime.date, precision: str, title: str = "", description: str = ""
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        memorial=memorial, kind=kind, happened_on=happened_on, precision=precision, title=title, description=description
    )


def create_album(*, memorial: Memorial, title: str, by, description: str = "") -> Album:
    return Album.objects.create(memorial=memorial, title=title.strip(), description=description, created_by=by)


def update_album(*, album: Album, title: str | None = None, description: str | None = None) -> Album:
    changed = []
    if title is not None:
        album.title, changed = title.strip(), changed + ["title"]
    if description is not None:
        album.description, changed = description.strip(), changed + ["description"]
    if changed:
        album.save(update_fields=changed)
    return album


def delete_album(*, album: Album) -> None:
    album.delete()  # photos, artworks and their files go with it (post_delete receivers)


def delete_memorial(*, memorial: Memorial, by=None) -> Memorial:
    """Hide the memorial at once; purge_deleted_memorials destroys it after MEMORIAL_RESTORE_DAYS."""
    if memorial.deleted_at is None:
        memorial.deleted_at = timezone.now()
        memorial.deleted_by = by
        memorial.save(update_fields=["deleted_at", "deleted_by"])
    return memorial


def restore_memorial(*, memorial: Memorial) -> Memorial:
    memorial.deleted_at = None
    memorial.deleted_by = None
    memorial.save(update_fields=["deleted_at", "deleted_by"])
    return memorial


def destroy_memorial(*, memorial: Memorial) -> None:
    memorial.delete()  # everything it holds, files included, goes after the commit


def purge_deleted_memorials(*, now=None) -> list[int]:
    """Scheduled daily: destroy the memorials deleted more than MEMORIAL_RESTORE_DAYS ago."""
    limit = (now or timezone.now()) - timedelta(days=settings.MEMORIAL_RESTORE_DAYS)
    purged = []
    for memorial in Memorial.objects.filter(deleted_at__lt=limit):
        with transaction.atomic():
            purged.append(memorial.pk)
            destroy_memorial(memorial=memorial)
    return purged
