"""The printed card: the photo, the name, the dates, one line and the QR code of the memorial's
address, for the funeral program and the 빈소 table, in A6 or A5.

The page prints with CSS (``@page { size: A6 }``); the PDF is drawn here with Pillow at 300 dpi
and saved with ``resolution=300``, so its page is exactly the paper's size. The photo is the
cover's screen-size copy (never the original), and only when the person printing may see it.
The QR code carries ``SITE_URL`` and the memorial's address: what guests scan must be the public
site, never the address this request came through.
"""

from __future__ import annotations

import io
import os
import urllib.parse
from functools import cache

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, ImageOps

from memorial import bugo, permissions, qr
from memorial.models import Memorial

DPI = 300
# Paper sizes in millimetres (ISO 216).
SIZES = {"a6": (105, 148), "a5": (148, 210)}
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts")
FONT_FILES = {"regular": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}
KOREAN_FACE = 1  # the index of "Noto Sans CJK KR" in the collection
INK = (43, 38, 32)
MUTED = (109, 101, 91)


def pixels(size: str) -> tuple[int, int]:
    width_mm, height_mm = SIZES[size]
    return round(width_mm / 25.4 * DPI), round(height_mm / 25.4 * DPI)


def memorial_url(memorial: Memorial) -> str:
    return settings.SITE_URL + memorial.get_absolute_url()


def dates_line(memorial: Memorial) -> str:
    born = bugo.date_display(memorial, memorial.born_on, memorial.born_precision)
    died = bugo.date_display(memorial, memorial.died_on, memorial.died_precision)
    if born and died:
        return f"{born} – {died}"
    return f"– {died}" if died else born


def card_content(memorial: Memorial, *, user) -> dict:
    """What the card shows, for the page and the PDF alike."""
    cover = memorial.cover_photo
    if cover is not None and not permissions.can_see_photo(user, cover, memorial):
        cover = None
    funeral = bugo.funeral_of(memorial)
    return {
        "name": memorial.full_name,
        "other_name": memorial.name_other_script,
        "dates": dates_line(memorial),
        "line": bugo.notice_line(memorial, funeral) if funeral is not None else "",
        "cover": cover,
        "url": memorial_url(memorial),
        "display_url": urllib.parse.unquote(memorial_url(memorial)),
        "language": memorial.language,
    }


@cache
def font_path(weight: str) -> str | None:
    for folder in FONT_DIRS:
        for root, _dirs, files in os.walk(folder):
            if FONT_FILES[weight] in files:
                return os.path.join(root, FONT_FILES[weight])
    return None


@cache
def font(weight: str, size: int):
    path = font_path(weight) or font_path("regular")
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size, index=KOREAN_FACE)


def wrap(draw, text: str, face, width: int, max_lines: int = 3) -> list[str]:
    """Lines of ``text`` no wider than ``width``: at spaces where it can, between any two
    characters where it must (Korean wraps anywhere)."""
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=face) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if draw.textlength(current + char, font=face) > width and current:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def render_card(memorial: Memorial, *, size: str = "a6", user=None) -> Image.Image:
    content = card_content(memorial, user=user)
    width, height = pixels(size)
    unit = width / 1240  # sizes below are for A6; A5 scales them
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    margin = round(90 * unit)
    inner = width - 2 * margin
    y = margin

    if content["cover"] is not None:
        try:
            with content["cover"].screen.open("rb") as handle:
                photo = Image.open(handle)
                photo.load()
        except (OSError, ValueError):
            photo = None
        if photo is not None:
            box = (round(560 * unit), round(700 * unit))
            photo = ImageOps.fit(ImageOps.exif_transpose(photo).convert("RGB"), box, Image.Resampling.LANCZOS)
            image.paste(photo, ((width - box[0]) // 2, y))
            y += box[1] + round(60 * unit)

    def centred(text, face, fill, gap):
        nonlocal y
        left, top, right, bottom = draw.textbbox((0, 0), text, font=face)
        draw.text(((width - (right - left)) / 2 - left, y - top), text, font=face, fill=fill)
        y += (bottom - top) + gap

    centred(content["name"], font("bold", round(92 * unit)), INK, round(24 * unit))
    if content["other_name"]:
        centred(content["other_name"], font("regular", round(44 * unit)), MUTED, round(20 * unit))
    if content["dates"]:
        centred(content["dates"], font("regular", round(44 * unit)), INK, round(30 * unit))
    if content["line"]:
        face = font("regular", round(38 * unit))
        for line in wrap(draw, content["line"], face, inner):
            centred(line, face, INK, round(14 * unit))

    code = qr.qr_image(content["url"], box=round(400 * unit))
    caption_face = font("regular", round(26 * unit))
    caption = content["display_url"].split("://", 1)[-1]  # 홍길동, not %ED%99%8D...
    caption_lines = wrap(draw, caption, caption_face, inner, max_lines=2)
    caption_height = len(caption_lines) * round(36 * unit)
    top = max(y + round(20 * unit), height - margin - caption_height - code.height)
    image.paste(code.convert("RGB"), ((width - code.width) // 2, top))
    y = top + code.height + round(6 * unit)
    for line in caption_lines:
        centred(line, caption_face, MUTED, round(8 * unit))
    return image


def card_pdf(memorial: Memorial, *, size: str = "a6", user=None) -> bytes:
    """The card as a one-page PDF the size of the paper (A6: 105 × 148 mm; A5: 148 × 210 mm)."""
    buffer = io.BytesIO()
    render_card(memorial, size=size, user=user).save(buffer, "PDF", resolution=DPI, quality=92)
    return buffer.getvalue()
