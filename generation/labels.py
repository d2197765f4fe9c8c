"""The label inside a painting's file: what made it, from which photo, for whom, and when.

A painting leaves the site as a file (downloaded, sent on KakaoTalk, printed), so what it is
must travel inside it, not only on the page:

* **XMP** (an iTXt chunk "XML:com.adobe.xmp" in the PNG, an APP1 segment in the JPEG) with
  IPTC's *digital source type*, the field search engines and photo tools read to say "made by
  AI". A diffusion painting is ``trainedAlgorithmicMedia``: every pixel of it comes out of the
  model's decoder. The family's photo guides it (img2img and ControlNet read it) but no part of
  the photo is pasted into the result, which is what IPTC's ``compositeWithTrainedAlgorithmicMedia``
  describes (inpainting, outpainting, an AI element put into a real photo). The built-in painter
  has no trained model: a filter computes the painting from the photo, ``algorithmicMedia``.
* **PNG text chunks** a person can read with any metadata viewer: ``Title``, ``Author`` (the
  site), ``Description`` (a sentence in the memorial's language), ``Creation Time``,
  ``Software``, ``Source`` (what made it, as the PNG specification means that keyword: the
  "device"), ``Comment`` (the same label in English), and ``Site``, ``Memorial``, ``Source
  photo``, ``Style``, ``Digital Source Type``. Text that is not ASCII (a Korean name) goes in
  UTF-8 iTXt chunks.

The memorial's address is written only for a public memorial: an unlisted memorial's address
is its secret, and a painting sent on must not carry it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from memorial.models import Visibility

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC + "trainedAlgorithmicMedia"
ALGORITHMIC_MEDIA = IPTC + "algorithmicMedia"
XMP_KEY = "XML:com.adobe.xmp"


@dataclass(frozen=True)
class Label:
    source_type: str  # an IPTC digital source type URI
    by_ai: bool
    title: str
    description: str  # in the memorial's language
    comment: str  # the same, in English
    made_with: str  # what painted it
    site: str
    memorial: str
    memorial_url: str  # "" unless the memorial is public
    source_photo: str
    style: str
    created: datetime
    software: str
    language: str


def source_type(backend: str) -> str:
    """The built-in painter's backends start with "filter"; anything else is a trained model."""
    return ALGORITHMIC_MEDIA if backend.startswith("filter") else TRAINED_ALGORITHMIC_MEDIA


def label_for(*, memorial, photo, style, backend: str, created: datetime | None = None) -> Label:
    created = timezone.localtime(created or timezone.now())
    kind = source_type(backend)
    by_ai = kind != ALGORITHMIC_MEDIA
    site = settings.SITE_NAME
    photo_text = f"Photo {photo.pk}" + (f": {photo.caption.strip()}" if photo.caption.strip() else "")
    if photo.taken_at:
        photo_text += f" ({timezone.localtime(photo.taken_at).date().isoformat()})"
    public = memorial.visibility == Visibility.PUBLIC
    memorial_url = f"{settings.SITE_URL}{memorial.get_absolute_url()}" if public else ""
    words = {"style": style.name, "name": memorial.full_name, "site": site, "date": created.date().isoformat()}
    in_language = {**words, "style": style.name_in(memorial.language)}  # the style's own name in Korean
    with translation.override(memorial.language):
        title = _("A %(style)s painting · in memory of %(name)s") % in_language
        description = _describe(by_ai, in_language)
    with translation.override("en"):
        comment = _describe(by_ai, words)
    made_with = (
        f"AI: the diffusion painter of {site} (Stable Diffusion 1.5 img2img with ControlNet; {backend})"
        if by_ai
        else f"The built-in painter of {site}, a filter, not AI ({backend})"
    )
    return Label(
        source_type=kind,
        by_ai=by_ai,
        title=title,
        description=description,
        comment=comment,
        made_with=made_with,
        site=f"{site} {settings.SITE_URL}",
        memorial=memorial.full_name,
        memorial_url=memorial_url,
        source_photo=photo_text,
        style=style.name,
        created=created,
        software=f"{site} ({backend})",
        language=memorial.language,
    )


def _describe(by_ai: bool, words: dict) -> str:
    if by_ai:
        return (
            _(
                "Painted by AI from a family photo, in the style “%(style)s”, for the memorial of %(name)s "
                "on %(site)s, %(date)s."
            )
            % words
        )
    return (
        _(
            "Painted by the built-in painter of %(site)s (a filter, not AI) from a family photo, in the style "
            "“%(style)s”, for the memorial of %(name)s, %(date)s."
        )
        % words
    )


def xmp_packet(label: Label) -> bytes:
    """An XMP packet (UTF-8) with the IPTC digital source type, title, description and source."""

    def alt(text: str) -> str:
        default = f'<rdf:li xml:lang="x-default">{escape(text)}</rdf:li>'
        return f"<rdf:Alt>{default}<rdf:li xml:lang={quoteattr(label.language)}>{escape(text)}</rdf:li></rdf:Alt>"

    created = label.created.isoformat(timespec="seconds")
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""\n'
        ' xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"\n'
        f" Iptc4xmpExt:DigitalSourceType={quoteattr(label.source_type)}\n"
        f" xmp:CreateDate={quoteattr(created)}\n"
        f" xmp:CreatorTool={quoteattr(label.software)}\n"
        f" photoshop:DateCreated={quoteattr(created)}\n"
        f" photoshop:Credit={quoteattr(label.site)}>\n"
        f"<dc:title>{alt(label.title)}</dc:title>\n"
        f"<dc:description>{alt(label.description)}</dc:description>\n"
        f"<dc:source>{escape(label.source_photo)}</dc:source>\n"
        "</rdf:Description>\n"
        "</rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def png_info(label: Label) -> PngInfo:
    info = PngInfo()
    texts = {
        "Title": label.title,
        "Author": label.site,
        "Description": label.description,
        "Creation Time": format_datetime(label.created),
        "Software": label.software,
        "Source": label.made_with,
        "Comment": label.comment,
        "Digital Source Type": label.source_type,
        "Site": label.site,
        "Memorial": label.memorial,
        "Memorial URL": label.memorial_url,
        "Source photo": label.source_photo,
        "Style": label.style,
    }
    for key, value in texts.items():
        if not value:
            continue
        if value.isascii():
            info.add_text(key, value)
        else:  # UTF-8; the sentences are in the memorial's language, names in their own
            language = label.language if key in ("Title", "Description") else ""
            info.add_itxt(key, value, lang=language, zip=False)
    info.add_itxt(XMP_KEY, xmp_packet(label).decode("utf-8"), zip=False)  # XMP's rule: never compressed
    return info


def png_bytes(image: Image.Image, label: Label) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True, pnginfo=png_info(label))
    return buffer.getvalue()


def jpeg_bytes(image: Image.Image, label: Label, **options) -> bytes:
    """``image`` as a JPEG (``options`` go to Pillow) with the XMP and a comment saying what it is."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", xmp=xmp_packet(label), comment=label.comment.encode("utf-8"), **options)
    return buffer.getvalue()


def is_labelled(data: bytes) -> bool:
    """Whether a stored painting's file already says what it is."""
    with Image.open(io.BytesIO(data)) as image:
        return b"DigitalSourceType" in _as_bytes(image.info.get("xmp", b""))


def _as_bytes(value) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def label_stored_artwork(artwork) -> bool:
    """Write the label into a painting stored before paintings carried one (its PNG and its
    thumbnail, as new files; the old ones go after the commit). False when it already has one."""
    from django.core.files.base import ContentFile
    from django.db import transaction

    from core.files import delete_files_on_commit
    from generation.models import Artwork, artwork_file_name, artwork_thumbnail_file_name

    with artwork.image.open("rb") as handle:
        data = handle.read()
    if is_labelled(data):
        return False
    label = label_for(
        memorial=artwork.memorial,
        photo=artwork.photo,
        style=artwork.style,
        backend=artwork.backend,
        created=artwork.created_at,
    )
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        png = png_bytes(image, label)
        small = image.convert("RGB")
        small.thumbnail((settings.PHOTO_THUMB_SIZE, settings.PHOTO_THUMB_SIZE), Image.LANCZOS)
        jpeg = jpeg_bytes(small, label, quality=85, optimize=True, progressive=True)
    storage = artwork.image.storage
    image_name = storage.save(artwork_file_name(artwork.memorial_id), ContentFile(png))
    thumbnail_name = storage.save(artwork_thumbnail_file_name(artwork.memorial_id), ContentFile(jpeg))
    old = (artwork.image, artwork.thumbnail)
    with transaction.atomic():
        growth = len(png) + len(jpeg) - (artwork.image.size + (artwork.thumbnail.size if artwork.thumbnail else 0))
        Artwork.objects.filter(pk=artwork.pk).update(
            image=image_name, thumbnail=thumbnail_name, stored_bytes=max(0, artwork.stored_bytes + growth)
        )
        delete_files_on_commit(*old)
    return True
