"""Paintings in the memorial's bin (registered with ``memorial.extensions`` in
``GenerationConfig.ready``): a deleted painting is kept, with its words and recording, until the
daily purge, and its managers restore it from the bin page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generation.models import Artwork
from memorial.bin import BinKind


def _title(artwork: Artwork) -> str:
    return _("%(style)s painting of “%(photo)s”") % {
        "style": artwork.style.display_name,
        "photo": artwork.photo.caption or artwork.photo.original_name or _("a photo"),
    }


def _thumbnail(artwork: Artwork) -> str:
    return reverse("memorial:bin_thumbnail", args=[artwork.memorial.slug, artwork.photo_id])


def _refusal(artwork: Artwork) -> str:
    if artwork.photo.album.deleted_at is not None:
        return _(
            "This painting's photo is in the album “%(album)s”, which is in the bin too: restore the album first."
        ) % {"album": artwork.photo.album.title}
    if artwork.photo.deleted_at is not None:
        return _("This painting's photo is in the bin too: restore the photo first.")
    return ""


ARTWORKS = BinKind(
    name="painting",
    label=gettext_lazy("Painting"),
    model=Artwork,
    memorial_path="memorial",
    related=("memorial", "style", "photo__album"),
    title=_title,
    thumbnail_url=_thumbnail,
    refusal=_refusal,
)
