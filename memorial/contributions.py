"""Guests add their own memories, where the family allows it (``Memorial.accepts_guest_memories``):
a guest (with a name) or a signed-in person outside the family sends a photo or a short story
("I remember..."). It waits for a manager on the moderation page; approved, a photo goes into
the friends' album (made at the first approval, named in the memorial's language) and a story
onto the memorial page, each credited to its author; rejected, it is deleted with its files.

A photo goes through the upload checks of every photo (memorial/imaging.py) when it is sent,
and nothing is stored when it is refused; approved, it is stored as every photo is
(memorial/photos.py), against the memorial's storage quota."""

from __future__ import annotations

import contextlib
import os

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.files import delete_files_on_commit
from memorial import moderation, photos, quota
from memorial.imaging import ImageRejected, process_upload
from memorial.models import Album, GuestContribution, Memorial

MAX_STORY = 3000
Kind = GuestContribution.Kind


class ContributionRefused(ValueError):
    pass


def _who(author, guest_name: str) -> tuple:
    guest_name = (guest_name or "").strip()
    if not getattr(author, "is_authenticated", False):
        author = None
    if author is None and not guest_name:
        raise ContributionRefused(_("Please tell the family your name."))
    return author, ("" if author else guest_name[:100])


def send_story(*, memorial: Memorial, story: str, author=None, guest_name: str = "") -> GuestContribution:
    author, guest_name = _who(author, guest_name)
    story = (story or "").strip()
    if not story:
        raise ContributionRefused(_("Please write your memory."))
    if len(story) > MAX_STORY:
        raise ContributionRefused(_("Please keep the story under %(limit)d characters.") % {"limit": MAX_STORY})
    return GuestContribution.objects.create(
        memorial=memorial, kind=Kind.STORY, author=author, guest_name=guest_name, story=story
    )


def send_photo(
    *, memorial: Memorial, upload, author=None, guest_name: str = "", caption: str = ""
) -> GuestContribution:
    """Checked as any upload (ImageRejected with a clear message; then nothing is stored)."""
    author, guest_name = _who(author, guest_name)
    declared = getattr(upload, "size", None)
    quota.require_room(memorial, declared if isinstance(declared, int) and declared > 0 else 0)
    processed = process_upload(upload)
    quota.require_room(memorial, processed.original_size)
    name = os.path.basename(getattr(upload, "name", "") or "photo")[:255]
    contribution = GuestContribution(
        memorial=memorial,
        kind=Kind.PHOTO,
        author=author,
        guest_name=guest_name,
        caption=(caption or "").strip()[:500],
        upload_name=name,
    )
    saved = []
    try:
        upload.seek(0)
        contribution.upload.save(name, File(upload), save=False)
        saved.append(contribution.upload)
        contribution.preview.save("preview.jpg", ContentFile(processed.thumbnail), save=False)
        saved.append(contribution.preview)
        contribution.save()
    except BaseException:
        for field in saved:
            with contextlib.suppress(Exception):
                field.storage.delete(field.name)
        raise
    return contribution


def pending(memorial: Memorial) -> list[GuestContribution]:
    return list(
        GuestContribution.objects.filter(memorial=memorial, status=GuestContribution.Status.PENDING).select_related(
            "author"
        )
    )


def approved_stories(memorial: Memorial) -> list[GuestContribution]:
    return list(
        GuestContribution.objects.filter(
            memorial=memorial, kind=Kind.STORY, status=GuestContribution.Status.APPROVED
        ).select_related("author")
    )


def friends_album(memorial: Memorial, *, by) -> Album:
    """The album of the photos guests sent: made at the first approval, in the memorial's language,
    and again if the family deleted it."""
    locked = Memorial.objects.select_for_update().get(pk=memorial.pk)
    album = Album.objects.filter(pk=locked.friends_album_id, deleted_at__isnull=True).first()
    if album is None:
        with override(locked.language):
            title = _("Friends' photos")
            description = _("Photos that friends and guests sent to the family.")
        album = Album.objects.create(memorial=locked, title=title, description=description, created_by=by)
        Memorial.objects.filter(pk=locked.pk).update(friends_album=album)
        memorial.friends_album = album
    album.memorial = memorial
    return album


def _credit(contribution: GuestContribution) -> str:
    with override(contribution.memorial.language):
        credit = _("Sent by %(name)s") % {"name": contribution.display_name}
    return f"{contribution.caption} · {credit}" if contribution.caption else credit


@transaction.atomic
def approve(*, contribution: GuestContribution, by) -> GuestContribution:
    """A story onto the memorial page, a photo into the friends' album (ImageRejected when the
    memorial has no room left for it: then it keeps waiting)."""
    if contribution.status == GuestContribution.Status.APPROVED:
        return contribution
    memorial = contribution.memorial
    if contribution.kind == Kind.PHOTO:
        album = friends_album(memorial, by=by)
        with contribution.upload.open("rb") as stored:
            data = stored.read()
        photo, _created = photos.add_photo(
            album=album,
            upload=ContentFile(data, name=contribution.upload_name or "photo"),
            by=contribution.author,
            caption=_credit(contribution),
        )
        delete_files_on_commit(contribution.upload, contribution.preview)
        contribution.photo = photo
        contribution.upload = contribution.preview = ""
    contribution.status = GuestContribution.Status.APPROVED
    contribution.decided_by = by if getattr(by, "is_authenticated", False) else None
    contribution.decided_at = timezone.now()
    contribution.save()
    moderation.record(moderator=by, action=f"approve_guest_{contribution.kind}", target=contribution, memorial=memorial)
    return contribution


@transaction.atomic
def reject(*, contribution: GuestContribution, by) -> None:
    """Deleted, with its files."""
    moderation.record(
        moderator=by, action=f"reject_guest_{contribution.kind}", target=contribution, memorial=contribution.memorial
    )
    contribution.delete()


def set_accepting(*, memorial: Memorial, accepts: bool, by) -> Memorial:
    memorial.accepts_guest_memories = accepts
    memorial.save(update_fields=["accepts_guest_memories", "content_version"])
    moderation.record(
        moderator=by,
        action="open_guest_memories" if accepts else "close_guest_memories",
        target=memorial,
        memorial=memorial,
    )
    return memorial


__all__ = ["ContributionRefused", "ImageRejected"]
