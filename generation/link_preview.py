"""A published painting's link preview (og tags and its card) and what its share button says.

Only for what a guest without cookies sees: a published painting, of a photo not hidden, of a
public or unlisted memorial; the card is the painting itself, framed around the faces the
painter's likeness check stored on it (``Artwork.faces``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from generation.models import Artwork
from generation.selectors import artwork_face_boxes
from memorial import link_preview, permissions, previews, share_text


def has_preview(artwork: Artwork) -> bool:
    memorial = artwork.memorial
    return permissions.has_link_preview(memorial) and permissions.can_see_artwork(AnonymousUser(), artwork, memorial)


def _faces(artwork: Artwork):
    return link_preview.relative_boxes(artwork_face_boxes(artwork), artwork.width, artwork.height)


def artwork_tags(artwork: Artwork) -> dict | None:
    if not has_preview(artwork):
        return None
    memorial = artwork.memorial
    words = share_text.share_text(memorial)
    if share_text.is_korean(memorial):
        title = f"故 {memorial.full_name}님을 그린 그림"
    else:
        title = f"A painting in memory of {memorial.full_name}"
    path = reverse("generation:memorial_artwork_preview", args=[memorial.slug, artwork.pk])
    return {
        "type": "article",
        "title": title,
        "description": words.description,
        "url": settings.SITE_URL + artwork.get_absolute_url(),
        "locale": share_text.locale_of(memorial),
        "image": f"{settings.SITE_URL}{path}?v={link_preview.version(artwork.image.name)}",
        "image_alt": previews.image_alt(memorial, painting=True),
        "image_width": link_preview.CARD_WIDTH,
        "image_height": link_preview.CARD_HEIGHT,
    }


def artwork_share(artwork: Artwork) -> dict:
    return previews.share_for(artwork.memorial, url=settings.SITE_URL + artwork.get_absolute_url())


def artwork_card(artwork: Artwork):
    return link_preview.card(
        memorial_id=artwork.memorial_id, kind=f"artwork-{artwork.pk}", source=artwork.image, faces=_faces(artwork)
    )
