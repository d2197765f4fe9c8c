"""Reads for pages: each runs a fixed number of queries, however much a memorial holds.

Loading only: who sees what is decided by `memorial.permissions`, which these reads ask."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from memorial import permissions
from memorial.comments import with_comment_counts
from memorial.models import Album, Condolence, Membership, Memorial, Photo
from memorial.offerings import offering_counts

GALLERY_SIZE = 60
CONDOLENCES_PER_PAGE = 30


def memorial_by_slug(slug: str) -> Memorial:
    """Loading only, with no check: pages and the API use `permissions.memorial_for`."""
    return get_object_or_404(Memorial.objects.select_related("cover_photo"), slug=slug)


def visible_photos(memorial: Memorial, user, *, with_memorial: bool = True):
    photos = Photo.objects.filter(album__memorial=memorial).select_related(
        "album__memorial" if with_memorial else "album"
    )
    return permissions.photos_visible_to(user, memorial, photos)


def visible_condolences(memorial: Memorial, user):
    condolences = Condolence.objects.filter(memorial=memorial).select_related("author")
    return permissions.condolences_visible_to(user, memorial, condolences)


def memorial_page(memorial: Memorial, user, *, condolence_page: int | str = 1) -> dict:
    # Counted as the album shows them to this person: hidden photos for those who see them only,
    # what is in the bin for no one.
    shown = Q(photos__deleted_at__isnull=True)
    if not permissions.sees_hidden_photos(user, memorial):
        shown &= Q(photos__hidden=False)
    albums = list(
        permissions.albums_visible_to(user, memorial, Album.objects.filter(memorial=memorial)).annotate(
            photo_count=Count("photos", filter=shown)
        )
    )
    gallery = list(with_comment_counts(visible_photos(memorial, user, with_memorial=False))[:GALLERY_SIZE])
    for item in [*albums, *(photo.album for photo in gallery)]:
        item.memorial = memorial  # links are built from it: no query per row, no life story per row
    paginator = Paginator(visible_condolences(memorial, user), CONDOLENCES_PER_PAGE)
    return {
        "memorial": memorial,
        "role": permissions.role_of(user, memorial),
        "events": list(memorial.events.all()),
        "albums": albums,
        "gallery": gallery,
        "condolences": paginator.get_page(condolence_page),
        "offerings": offering_counts(memorial),
    }


def album_page(album: Album, user) -> dict:
    return {
        "album": album,
        "photos": list(with_comment_counts(visible_photos(album.memorial, user).filter(album=album))),
    }


def my_memorials(user):
    return (
        Membership.objects.filter(user=user, memorial__deleted_at__isnull=True)
        .select_related("memorial", "memorial__cover_photo")
        .order_by("-memorial__created_at")
    )


def my_deleted_memorials(user):
    """Deleted memorials this person may still restore: those they own, and those left without an
    owner that they manage (`permissions.restorable_memorials`)."""
    return permissions.restorable_memorials(user).order_by("-deleted_at")


def pending_condolences(memorial: Memorial):
    """What the managers review: messages waiting for approval, and those hidden (after reports, or
    by a moderator), each with the reports no decision has answered yet."""
    return (
        Condolence.objects.filter(memorial=memorial, status__in=[Condolence.Status.PENDING, Condolence.Status.HIDDEN])
        .select_related("author")
        .prefetch_related("reports")
    )
