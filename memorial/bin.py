"""The memorial's bin: what its family deletes (photos, albums, and what other apps register, such
as generation's paintings) is hidden from everyone at once and kept, restorable by the managers in
one step, for MEMORIAL_RESTORE_DAYS; the daily purge (memorial.tasks.purge_deleted_memorials)
then destroys it with its files.

Each kind of thing that can be binned is a ``BinKind``: a model with ``deleted_at`` and
``deleted_by``, the path from it to its memorial, and how it is described on the bin page.
memorial registers its own (albums, photos); other apps register theirs through
``memorial.extensions.register_bin_kind``. Who sees what is in a memorial's bin and may restore
it is `memorial.permissions`' (the "bin" action: the managers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from memorial import extensions, moderation
from memorial.models import Album, Memorial, Photo


class RestoreRefused(ValueError):
    """The item cannot come back on its own (what holds it is in the bin too); the message says what to restore first."""


@dataclass(frozen=True)
class BinKind:
    name: str  # in addresses: /bin/<name>/<id>/restore/
    label: object  # what one is called, for people ("Photo")
    model: type
    memorial_path: str  # the lookup from the model to its memorial: "album__memorial", "memorial"
    related: tuple = ()  # select_related for the bin page
    title: Callable = str  # item -> what the bin page calls it
    thumbnail_url: Callable | None = None  # item -> a small image for the bin page (for managers)
    refusal: Callable | None = None  # item -> a message when it cannot be restored on its own, else ""
    on_bin: Callable | None = None  # (item) -> None, after it went into the bin


@dataclass(frozen=True)
class BinEntry:
    kind: BinKind
    item: object
    title: str
    deleted_at: object
    deleted_by: object
    purge_after: object
    thumbnail_url: str | None


def kinds() -> dict[str, BinKind]:
    return {kind.name: kind for kind in [*_OWN_KINDS, *extensions.bin_kinds()]}


def kind_of(item) -> BinKind:
    for kind in kinds().values():
        if isinstance(item, kind.model):
            return kind
    raise ValueError(f"{type(item).__name__} cannot go into the bin.")


def purge_after(deleted_at):
    return deleted_at + timedelta(days=settings.MEMORIAL_RESTORE_DAYS) if deleted_at else None


def restore_days() -> int:
    return settings.MEMORIAL_RESTORE_DAYS


# --- Putting in, listing, taking out ---------------------------------------------------------------


def move_to_bin(*, item, by, memorial: Memorial | None = None) -> object:
    """Hide ``item`` from everyone and keep it for MEMORIAL_RESTORE_DAYS; its files stay. Binning
    what is already in the bin changes nothing. Leaves a moderation record."""
    kind = kind_of(item)
    with transaction.atomic():
        changed = kind.model.objects.filter(pk=item.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), deleted_by=by if getattr(by, "is_authenticated", False) else None
        )
        item.refresh_from_db(fields=["deleted_at", "deleted_by"])
        if changed:
            memorial = memorial or _memorial_of(kind, item)
            _bump(memorial.pk)
            if kind.on_bin is not None:
                kind.on_bin(item)
            moderation.record(moderator=by, action=f"bin_{kind.name}", target=item, memorial=memorial)
    return item


def entries(memorial: Memorial) -> list[BinEntry]:
    """What is in the memorial's bin, most recently deleted first."""
    found = []
    for kind in kinds().values():
        items = kind.model.objects.filter(**{kind.memorial_path: memorial}, deleted_at__isnull=False)
        for item in items.select_related("deleted_by", *kind.related):
            found.append(
                BinEntry(
                    kind=kind,
                    item=item,
                    title=str(kind.title(item)),
                    deleted_at=item.deleted_at,
                    deleted_by=item.deleted_by,
                    purge_after=purge_after(item.deleted_at),
                    thumbnail_url=kind.thumbnail_url(item) if kind.thumbnail_url else None,
                )
            )
    return sorted(found, key=lambda entry: entry.deleted_at, reverse=True)


def binned_item(memorial: Memorial, kind_name: str, item_id) -> object | None:
    """One item of the memorial's bin, or None."""
    kind = kinds().get(kind_name)
    text = str(item_id)
    if kind is None or not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return (
        kind.model.objects.filter(**{kind.memorial_path: memorial}, pk=int(item_id), deleted_at__isnull=False)
        .select_related(*kind.related)
        .first()
    )


def restore(*, item, by, memorial: Memorial | None = None) -> object:
    """Take ``item`` out of the bin, as it was. Raises RestoreRefused when what holds it (its album,
    its photo) is in the bin too."""
    kind = kind_of(item)
    if kind.refusal is not None:
        message = kind.refusal(item)
        if message:
            raise RestoreRefused(message)
    with transaction.atomic():
        kind.model.objects.select_for_update().filter(pk=item.pk).first()
        kind.model.objects.filter(pk=item.pk).update(deleted_at=None, deleted_by=None)
        item.deleted_at, item.deleted_by = None, None
        memorial = memorial or _memorial_of(kind, item)
        _bump(memorial.pk)
        moderation.record(moderator=by, action=f"restore_{kind.name}_from_bin", target=item, memorial=memorial)
    return item


# --- The daily purge -----------------------------------------------------------------------------------


def purge_candidates(kind: BinKind, *, now=None) -> list[int]:
    limit = (now or timezone.now()) - timedelta(days=settings.MEMORIAL_RESTORE_DAYS)
    return list(kind.model.objects.filter(deleted_at__lt=limit).values_list("pk", flat=True))


def purge_item(kind: BinKind, item_id: int, *, now=None) -> bool:
    """Destroy one binned item, files and all, if it is still in the bin and its time is up: read
    again under a row lock, so one restored since the purge chose it survives."""
    limit = (now or timezone.now()) - timedelta(days=settings.MEMORIAL_RESTORE_DAYS)
    with transaction.atomic():
        item = kind.model.objects.select_for_update().filter(pk=item_id, deleted_at__lt=limit).first()
        if item is None:
            return False
        item.delete()  # its files go after the commit (post_delete receivers)
    return True


def purge(*, now=None) -> dict[str, list[int]]:
    """Scheduled daily (with the deleted memorials): the bin items deleted more than
    MEMORIAL_RESTORE_DAYS ago. Albums first: their photos go with them."""
    purged = {}
    for kind in kinds().values():
        purged[kind.name] = [pk for pk in purge_candidates(kind, now=now) if purge_item(kind, pk, now=now)]
    return purged


# --- memorial's own kinds --------------------------------------------------------------------------


def _memorial_of(kind: BinKind, item) -> Memorial:
    for name in kind.memorial_path.split("__"):
        item = getattr(item, name)
    return item


def _bump(memorial_id: int) -> None:
    from memorial.page_cache import bump

    bump(memorial_id)


def _unset_cover(*, photos) -> None:
    """A cover photo that went into the bin is no longer the cover."""
    Memorial.objects.filter(cover_photo__in=photos).update(cover_photo=None)


def _photo_refusal(photo: Photo) -> str:
    if photo.album.deleted_at is not None:
        return _("This photo was in the album “%(album)s”, which is in the bin too: restore the album first.") % {
            "album": photo.album.title
        }
    return ""


def _photo_thumbnail(photo: Photo) -> str:
    from django.urls import reverse

    return reverse("memorial:bin_thumbnail", args=[photo.album.memorial.slug, photo.pk])


_OWN_KINDS = [
    BinKind(
        name="album",
        label=gettext_lazy("Album"),
        model=Album,
        memorial_path="memorial",
        related=("memorial",),
        title=lambda album: album.title,
        on_bin=lambda album: _unset_cover(photos=album.photos.all()),
    ),
    BinKind(
        name="photo",
        label=gettext_lazy("Photo"),
        model=Photo,
        memorial_path="album__memorial",
        related=("album__memorial",),
        title=lambda photo: photo.caption or photo.original_name or _("Photo %(id)d") % {"id": photo.pk},
        thumbnail_url=_photo_thumbnail,
        refusal=_photo_refusal,
        on_bin=lambda photo: _unset_cover(photos=[photo]),
    ),
]
