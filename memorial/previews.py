"""What a shared link of a memorial unfolds into (og tags, the card) and what the share button
says: read here for the pages, from ``share_text`` (the words) and ``link_preview`` (the card)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from memorial import extensions, link_preview, permissions, share_text
from memorial.models import Memorial


def card_photo(memorial: Memorial):
    """The cover photo, when a guest may see it: the card is made from its screen-size copy."""
    photo = memorial.cover_photo
    if photo is None or not permissions.can_see_photo(AnonymousUser(), photo, memorial):
        return None
    return photo


def image_alt(memorial: Memorial, *, painting: bool = False) -> str:
    name = memorial.full_name
    if share_text.is_korean(memorial):
        return f"故 {name}님을 그린 그림" if painting else f"故 {name}님의 사진"
    return f"A painting of {name}" if painting else f"A photo of {name}"


def share_for(memorial: Memorial, *, url: str | None = None) -> dict:
    """What the share button hands over: the address (the configured public one), a title, the message."""
    words = share_text.share_text(memorial)
    return {"url": url or settings.SITE_URL + memorial.get_absolute_url(), "title": words.title, "text": words.message}


def memorial_tags(memorial: Memorial) -> dict | None:
    """The og tags of the memorial page; None for a private one (the page then names the site only)."""
    if not permissions.has_link_preview(memorial):
        return None
    words = share_text.share_text(memorial)
    tags = {
        "type": "profile",
        "title": words.title,
        "description": words.description,
        "url": settings.SITE_URL + memorial.get_absolute_url(),
        "locale": share_text.locale_of(memorial),
    }
    photo = card_photo(memorial)
    if photo is not None:
        path = reverse("memorial:preview_card", args=[memorial.slug])
        tags.update(
            image=f"{settings.SITE_URL}{path}?v={link_preview.version(photo.screen.name)}",
            image_alt=image_alt(memorial),
            image_width=link_preview.CARD_WIDTH,
            image_height=link_preview.CARD_HEIGHT,
        )
    return tags


def memorial_card(memorial: Memorial):
    """The stored card of the memorial (made the first time), or None when it has none to show."""
    if not permissions.has_link_preview(memorial):
        return None
    photo = card_photo(memorial)
    if photo is None:
        return None
    faces = extensions.face_boxes(photo)
    return link_preview.card(memorial_id=memorial.pk, kind="memorial", source=photo.screen, faces=faces)
