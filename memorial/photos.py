"""Adding photos to an album: checked and re-encoded by `imaging`, stored once, or refused whole."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone

from memorial import moderation, quota
from memorial.imaging import ImageRejected, process_upload
from memorial.models import Album, Memorial, Photo


@dataclass(frozen=True)
class UploadOutcome:
    name: str
    photo: Photo | None = None
    duplicate: bool = False
    error: str = ""


def add_photo(*, album: Album, upload, by, caption: str = "") -> tuple[Photo, bool]:
    """Store one upload. Returns (photo, created); a file already in the album is not stored again.

    Raises ImageRejected with a clear message; then nothing has been stored. An upload that would
    take the memorial over its storage quota is refused so (before it is even decoded when the
    memorial is full or the file alone would not fit).
    """
    memorial = album.memorial
    declared = getattr(upload, "size", None)
    quota.require_room(memorial, declared if isinstance(declared, int) and declared > 0 else 0)
    processed = process_upload(upload)
    existing = Photo.objects.filter(album=album, sha256=processed.sha256).first()
    if existing is not None:
        if existing.deleted_at is not None:  # uploaded again after it went into the bin: it comes back
            from memorial import bin

            return bin.restore(item=existing, by=by, memorial=album.memorial), True
        return existing, False
    needed = processed.original_size + len(processed.screen) + len(processed.thumbnail)
    quota.require_room(memorial, needed)

    name = os.path.basename(getattr(upload, "name", "") or "photo")[:255]
    photo = Photo(
        album=album,
        caption=caption.strip()[:500],
        taken_at=_aware(processed.taken_at),
        uploaded_by=by,
        sha256=processed.sha256,
        original_format=processed.original_format,
        original_size=processed.original_size,
        original_name=name,
        width=processed.width,
        height=processed.height,
        screen_width=processed.screen_size[0],
        screen_height=processed.screen_size[1],
        thumbnail_width=processed.thumbnail_size[0],
        thumbnail_height=processed.thumbnail_size[1],
        screen_bytes=len(processed.screen),
        thumbnail_bytes=len(processed.thumbnail),
    )
    saved = []
    try:
        upload.seek(0)
        photo.original.save(name, File(upload), save=False)
        saved.append(photo.original)
        photo.screen.save("screen.jpg", ContentFile(processed.screen), save=False)
        saved.append(photo.screen)
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        saved.append(photo.thumbnail)
        with transaction.atomic():
            # Again under the memorial's lock: two uploads at once cannot both take the last room.
            Memorial.objects.select_for_update().filter(pk=memorial.pk).exists()
            quota.require_room(memorial, needed)
            photo.save()
    except IntegrityError:
        # The same file arrived twice at once: keep the first, leave no stray files.
        _delete_files(saved)
        return Photo.objects.get(album=album, sha256=processed.sha256), False
    except BaseException:
        _delete_files(saved)
        raise
    return photo, True


def add_photos(*, album: Album, uploads, by) -> list[UploadOutcome]:
    """Several files at once: each is stored or refused on its own, with its own message."""
    outcomes = []
    for upload in uploads:
        name = os.path.basename(getattr(upload, "name", "") or "")
        try:
            photo, created = add_photo(album=album, upload=upload, by=by)
        except ImageRejected as exc:
            outcomes.append(UploadOutcome(name=name, error=str(exc)))
        else:
            outcomes.append(UploadOutcome(name=name, photo=photo, duplicate=not created))
    return outcomes


def update_caption(*, photo: Photo, caption: str) -> Photo:
    photo.caption = caption.strip()[:500]
    photo.save(update_fields=["caption"])
    return photo


def set_hidden(*, photo: Photo, hidden: bool, by, note: str = "") -> Photo:
    photo.hidden = hidden
    photo.save(update_fields=["hidden"])
    moderation.record(
        moderator=by,
        action="hide_photo" if hidden else "restore_photo",
        target=photo,
        memorial=photo.album.memorial,
        note=note,
    )
    return photo


def delete_photo(*, photo: Photo, by=None) -> Photo:
    """Into the memorial's bin, with its paintings: hidden from everyone, restorable for
    MEMORIAL_RESTORE_DAYS, then purged with its files (memorial/bin.py)."""
    from memorial import bin

    return bin.move_to_bin(item=photo, by=by)


def _delete_files(fields) -> None:
    for field in fields:
        with contextlib.suppress(Exception):
            field.storage.delete(field.name)


def _aware(value):
    if value is None:
        return None
    try:
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    except Exception:  # a clock change or a garbled date: better no date than a wrong one
        return None
