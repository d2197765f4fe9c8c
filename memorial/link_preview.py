"""The link preview of a memorial and of a published painting: the card image (og:image) and
the tags a crawler (KakaoTalk's, Facebook's, ...) reads.

The card is 1200×630 JPEG, made once with Pillow from the screen-size copy (already upright and
stripped of EXIF; never the private original) of the cover photo, or from the painting, and kept
in storage under a name made from its source file's name, the faces and ``CARD_VERSION``: a new
cover photo, or a painting's new image, makes a new card (and the old one is deleted).

KakaoTalk crops a preview to 2:1, keeping the middle: the card's central 1200×600 (``SAFE``).
The face is kept inside that, with a margin. Where the faces are known (boxes stored by the
painter's likeness check: generation registers them with ``extensions.register_face_boxes``;
a painting passes its own), the card is placed around them, shrinking the picture over a blurred
copy of itself when a face is too large to fit; where they are not, around the middle of the
picture, or its upper third for a portrait (where a face usually is).

No dlib here: the web process never imports it (the boxes were found by the worker).
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageEnhance, ImageFilter

CARD_WIDTH, CARD_HEIGHT = 1200, 630
# The central 2:1 band KakaoTalk keeps: left, top, right, bottom.
SAFE = (0, (CARD_HEIGHT - CARD_WIDTH // 2) // 2, CARD_WIDTH, (CARD_HEIGHT + CARD_WIDTH // 2) // 2)
MARGIN = 12  # around the face, inside SAFE
FACE_MAX_HEIGHT = 0.7  # of SAFE's height: a larger face is shown smaller, over the blurred picture
FACE_CENTRE_Y = 0.47  # where the faces' middle goes, as a share of the card's height
CARD_VERSION = "1"
JPEG_QUALITY = 85

Box = tuple[float, float, float, float]  # left, top, right, bottom, as shares (0..1) of the picture


@dataclass(frozen=True)
class Placement:
    scale: float
    left: float  # where the picture's top-left corner goes on the card
    top: float


def relative_boxes(boxes: Sequence, width: int, height: int) -> list[Box]:
    """Pixel boxes ``[l, t, r, b]`` of a picture ``width``×``height`` as shares, the bad ones left out."""
    found = []
    for box in boxes or []:
        try:
            left, top, right, bottom = (float(value) for value in box)
        except (TypeError, ValueError):
            continue
        if width <= 0 or height <= 0 or right <= left or bottom <= top:
            continue
        found.append(
            (
                max(0.0, left / width),
                max(0.0, top / height),
                min(1.0, right / width),
                min(1.0, bottom / height),
            )
        )
    return found


def place(width: int, height: int, faces: Sequence[Box] = ()) -> Placement:
    """Where a ``width``×``height`` picture goes on the card, and how large."""
    scale = max(CARD_WIDTH / width, CARD_HEIGHT / height)  # covers the card
    safe_left, safe_top, safe_right, safe_bottom = SAFE
    if faces:
        left = min(f[0] for f in faces) * width
        top = min(f[1] for f in faces) * height
        right = max(f[2] for f in faces) * width
        bottom = max(f[3] for f in faces) * height
        room_h = (safe_bottom - safe_top) * FACE_MAX_HEIGHT
        room_w = (safe_right - safe_left) - 2 * MARGIN
        scale = min(scale, room_h / max(bottom - top, 1), room_w / max(right - left, 1))
        focus_x, focus_y = (left + right) / 2, (top + bottom) / 2
    else:
        left = right = focus_x = width / 2
        # A portrait (or a square photo of a person): the face is usually in the upper third.
        focus_y = height / 3 if height / width > CARD_HEIGHT / CARD_WIDTH * 1.3 else height / 2
        top = bottom = focus_y
    x = _clamp(CARD_WIDTH / 2 - focus_x * scale, width * scale, CARD_WIDTH)
    y = _clamp(CARD_HEIGHT * FACE_CENTRE_Y - focus_y * scale, height * scale, CARD_HEIGHT)
    if faces:  # the faces inside the band, whatever the clamping did (the blurred copy fills the rest)
        x = _within(x, left * scale, right * scale, safe_left + MARGIN, safe_right - MARGIN)
        y = _within(y, top * scale, bottom * scale, safe_top + MARGIN, safe_bottom - MARGIN)
    return Placement(scale=scale, left=x, top=y)


def _clamp(offset: float, size: float, card: int) -> float:
    """Keep the card covered where the picture is large enough, or the picture whole where it is not."""
    low, high = (card - size, 0.0) if size >= card else (0.0, card - size)
    return min(max(offset, low), high)


def _within(offset: float, start: float, end: float, low: float, high: float) -> float:
    if offset + start < low:
        offset = low - start
    if offset + end > high:
        offset = high - end
    return offset


def make_card(picture: Image.Image, faces: Sequence[Box] = ()) -> Image.Image:
    """The 1200×630 card of ``picture`` (RGB)."""
    picture = picture.convert("RGB")
    width, height = picture.size
    where = place(width, height, faces)
    # Behind: the picture covering the card, blurred and a little darker (seen only where the
    # picture, shrunk or moved for a face, does not reach).
    cover = max(CARD_WIDTH / width, CARD_HEIGHT / height)
    background = picture.resize(
        (max(1, round(width * cover)), max(1, round(height * cover))), Image.Resampling.BILINEAR
    )
    background = background.crop(
        (
            (background.width - CARD_WIDTH) // 2,
            (background.height - CARD_HEIGHT) // 2,
            (background.width - CARD_WIDTH) // 2 + CARD_WIDTH,
            (background.height - CARD_HEIGHT) // 2 + CARD_HEIGHT,
        )
    )
    background = ImageEnhance.Brightness(background.filter(ImageFilter.GaussianBlur(24))).enhance(0.75)
    scaled = picture.resize(
        (max(1, round(width * where.scale)), max(1, round(height * where.scale))), Image.Resampling.LANCZOS
    )
    background.paste(scaled, (round(where.left), round(where.top)))
    return background


def card_name(*, memorial_id: int, kind: str, source_name: str, faces: Sequence[Box]) -> str:
    digest = hashlib.sha256(json.dumps([CARD_VERSION, source_name, [list(f) for f in faces]]).encode()).hexdigest()[:24]
    return f"previews/{memorial_id}/{kind}-{digest}.jpg"


def version(source_name: str) -> str:
    """For ``?v=`` in the og:image address: changes with the source (crawlers keep cards long)."""
    return hashlib.sha256(f"{CARD_VERSION}:{source_name}".encode()).hexdigest()[:10]


def card(*, memorial_id: int, kind: str, source, faces: Sequence[Box] = ()) -> SimpleNamespace:
    """The stored card of ``source`` (a FieldFile: a screen-size photo, a painting), made the
    first time it is asked for. ``kind`` names what it previews ("memorial", "artwork-12"): the
    older cards of that kind are deleted when a new one is made. Returns what
    ``core.serving.serve_file`` takes (a storage and a name)."""
    storage = default_storage
    name = card_name(memorial_id=memorial_id, kind=kind, source_name=source.name, faces=faces)
    if not storage.exists(name):
        with source.storage.open(source.name, "rb") as handle, Image.open(handle) as picture:
            picture.load()
            made = make_card(picture, faces)
        buffer = io.BytesIO()
        made.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        name = storage.save(name, ContentFile(buffer.getvalue()))
        _forget_older(storage, name, kind)
    return SimpleNamespace(storage=storage, name=name)


def _forget_older(storage, name: str, kind: str) -> None:
    folder = posixpath.dirname(name)
    try:
        _, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for other in files:
        if other.startswith(f"{kind}-") and posixpath.join(folder, other) != name:
            storage.delete(posixpath.join(folder, other))


def forget_cards(memorial_id: int) -> None:
    """Delete every card of a memorial (it is gone): they are made again if ever asked for."""
    from core.files import delete_files_on_commit

    folder = f"previews/{memorial_id}"
    try:
        _, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    delete_files_on_commit(
        *(SimpleNamespace(storage=default_storage, name=posixpath.join(folder, name)) for name in files)
    )
