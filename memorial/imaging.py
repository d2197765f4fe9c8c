"""Turning an uploaded photo into the images the site serves.

Uploads are hostile until proven otherwise (DESIGN.md). ``process_upload`` takes
the bytes a family member sent and either refuses them with a clear message
(``ImageRejected``) or returns a ``ProcessedImage``: the facts worth keeping about
the original (checksum, format, size, when it was taken) and two JPEGs made once
(a screen-sized one and a thumbnail), upright, in sRGB and without any metadata,
so a photo's GPS position or camera serial number never leaves the server.

The order of the checks is the point of this module:

1. size in bytes, before reading the file when its size is known, and again
   while reading (a client can lie about the size);
2. the format, from the file's own bytes, among a short list of plugins only
   (Pillow is never asked to try EPS, PSD, ... on a stranger's file);
3. the pixel count, from the header, before anything is decoded;
4. the memory the decode would take: pixels times what one pixel of the file's
   colour mode needs while it is decoded and turned into 8-bit RGB (a 16-bit or
   transparent PNG needs two or three times an RGB photo's), against a byte budget,
   again from the header only;
5. a real decode of the whole file (a truncated or corrupt photo is refused,
   ``ImageFile.LOAD_TRUNCATED_IMAGES`` is never set), at a reduced scale where
   the format allows it, so a 48-megapixel phone photo does not need 200 MB.

Pure: no models, no storage. It reads the ``PHOTO_*`` settings for defaults only.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import struct
import warnings
from dataclasses import dataclass
from typing import IO

import pillow_heif
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, UnidentifiedImageError

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

#: The only Pillow plugins a hostile upload is ever shown to.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "HEIF")

DEFAULT_MAX_BYTES = 30 * 1024 * 1024
DEFAULT_MAX_PIXELS = 100_000_000
DEFAULT_MAX_DECODE_BYTES = 512 * 1024 * 1024
DEFAULT_SCREEN_SIZE = 2048
DEFAULT_THUMB_SIZE = 480

JPEG_QUALITY = 88
READ_CHUNK = 1024 * 1024
BACKGROUND = (255, 255, 255)  # transparent areas are laid onto white paper

# EXIF tags
_ORIENTATION = 0x0112
_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003

# What ImageOps.exif_transpose does for each EXIF orientation.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Errors Pillow (and pillow-heif) raise on bytes that are not a well-formed image.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    TypeError,
    KeyError,
    RuntimeError,
    ZeroDivisionError,
    OverflowError,
)

# Bytes one pixel takes at the peak of decoding an image of each Pillow mode and turning it into
# 8-bit RGB here: Pillow's own storage (1 byte for "1", "L", "P"; 2 for "I;16"; 4 for every other
# mode, RGB included) plus the copies _normalise_mode makes while the decoded image is still held
# (RGBA: the image, the white paper and the alpha band; I;16: the image, a 32-bit copy, the
# rescaled copy and the 8-bit result). HEIF adds the decoder's own 3- or 4-byte buffer.
_DECODE_BYTES_PER_PIXEL = {
    "1": 2,
    "L": 1,
    "P": 5,
    "RGB": 4,
    "RGBX": 4,
    "CMYK": 4,
    "YCbCr": 8,
    "LAB": 8,
    "HSV": 8,
    "RGBA": 9,
    "RGBa": 13,
    "LA": 13,
    "La": 13,
    "PA": 13,
    "I": 9,
    "F": 9,
    "I;16": 11,
    "I;16L": 11,
    "I;16B": 11,
    "I;16N": 11,
}
_UNKNOWN_MODE_BYTES_PER_PIXEL = 8
_HEIF_DECODER_BYTES_PER_PIXEL = 4


def decode_bytes(mode: str, size: tuple[int, int], *, image_format: str = "", transparency: bool = False) -> int:
    """The memory, in bytes, that decoding an image of this mode and size takes here at its peak."""
    per_pixel = _DECODE_BYTES_PER_PIXEL.get(mode, _UNKNOWN_MODE_BYTES_PER_PIXEL)
    if mode == "P" and transparency:
        per_pixel = 1 + 4 + 4 + 1  # the palette image, RGBA, the white paper, the alpha band
    if image_format == "HEIF":
        per_pixel += _HEIF_DECODER_BYTES_PER_PIXEL
    return size[0] * size[1] * per_pixel


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageRejected(ValueError):
    """An upload that is not a photo we will keep.

    ``str(exc)`` is a clear, user-facing, translatable sentence; ``exc.code`` is a
    stable short name for it ("empty", "too_large", "not_an_image", "vector",
    "pdf", "corrupt", "too_many_pixels", "too_much_memory", "unsupported_colours") that forms and the API can pass on.
    """

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ProcessedImage:
    sha256: str  # hex digest of the original bytes as uploaded
    original_format: str  # "JPEG", "PNG", "WEBP", "GIF", "TIFF", "HEIF"
    original_size: int  # bytes
    width: int  # of the full image, after EXIF orientation is applied
    height: int
    taken_at: datetime.datetime | None  # naive, as the camera wrote it
    screen: bytes  # JPEG, upright, sRGB, no metadata
    screen_size: tuple[int, int]
    thumbnail: bytes  # JPEG, upright, sRGB, no metadata
    thumbnail_size: tuple[int, int]


def process_upload(
    fileobj: IO[bytes],
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_decode_bytes: int | None = None,
) -> ProcessedImage:
    """Check an uploaded photo and make the images the site serves from it.

    ``fileobj`` is a Django ``UploadedFile`` or any binary file object. It is read
    from the start; it is left open and rewound to the start, ready to be stored. Raises ``ImageRejected`` for anything that is
    not a photo within the limits.
    """
    if max_bytes is None:
        max_bytes = getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)
    if max_pixels is None:
        max_pixels = getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    if max_decode_bytes is None:
        max_decode_bytes = getattr(settings, "PHOTO_MAX_DECODE_BYTES", DEFAULT_MAX_DECODE_BYTES)
    screen_side = getattr(settings, "PHOTO_SCREEN_SIZE", DEFAULT_SCREEN_SIZE)
    thumb_side = getattr(settings, "PHOTO_THUMB_SIZE", DEFAULT_THUMB_SIZE)

    source, sha256, size = _read_checked(fileobj, max_bytes=max_bytes)

    # Pillow warns above Image.MAX_IMAGE_PIXELS (about 89 MP) and raises above
    # twice that. The caller's max_pixels is the policy: the warning is silenced
    # here and the pixel count is judged below; the error becomes a refusal.
    # (catch_warnings is process-wide; the worst a race can do is leave this one
    # warning category ignored, which is harmless.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(source, formats=list(ALLOWED_FORMATS)) as im:
                return _process_opened(
                    im,
                    sha256=sha256,
                    size=size,
                    max_pixels=max_pixels,
                    max_decode_bytes=max_decode_bytes,
                    screen_side=screen_side,
                    thumb_side=thumb_side,
                )
        except Image.DecompressionBombError:
            raise _too_many_pixels(max_pixels) from None
        except UnidentifiedImageError:
            raise _unidentified(source, getattr(fileobj, "name", None)) from None
        except ImageRejected:
            raise
        except _DECODE_ERRORS as exc:
            logger.info("Refused an upload that does not decode: %r", exc)
            raise ImageRejected(
                _(
                    "This photo could not be read: the file seems to be damaged or "
                    "incomplete. Please try uploading it again, or choose another copy."
                ),
                code="corrupt",
            ) from None
        finally:
            _rewind(fileobj)


# --- reading the bytes ---------------------------------------------------------


def _read_checked(fileobj: IO[bytes], *, max_bytes: int) -> tuple[IO[bytes], str, int]:
    """Hash and measure the upload without holding more than max_bytes.

    Returns a seekable binary file positioned anywhere (Pillow seeks to 0): the
    upload itself when it can seek, so a large photo is not copied into memory,
    otherwise an in-memory copy.
    """
    declared = getattr(fileobj, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(max_bytes)

    seekable = _rewind(fileobj)
    digest = hashlib.sha256()
    copy = None if seekable else io.BytesIO()
    total = 0
    while True:
        chunk = fileobj.read(READ_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(max_bytes)
        digest.update(chunk)
        if copy is not None:
            copy.write(chunk)

    if total == 0:
        raise ImageRejected(_("This file is empty. Please choose the photo again."), code="empty")

    if copy is not None:
        copy.seek(0)
        return copy, digest.hexdigest(), total
    fileobj.seek(0)
    return fileobj, digest.hexdigest(), total


def _rewind(fileobj: IO[bytes]) -> bool:
    try:
        if hasattr(fileobj, "seekable") and not fileobj.seekable():
            return False
        fileobj.seek(0)
        fileobj.tell()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _too_large(max_bytes: int) -> ImageRejected:
    return ImageRejected(
        _("This file is too large. Photos can be at most %(limit)s; this one is bigger.")
        % {"limit": _megabytes(max_bytes)},
        code="too_large",
    )


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        _(
            "This image is too large in pixels. Photos can have at most %(limit)s megapixels; "
            "please upload a smaller copy."
        )
        % {"limit": f"{max_pixels / 1_000_000:g}"},
        code="too_many_pixels",
    )


def _too_much_memory(*, pixels: int, needed: int, limit: int) -> ImageRejected:
    return ImageRejected(
        _(
            "This image is too large to open: at %(megapixels)s megapixels in its colour format "
            "(such as 16-bit colour or transparency) it would need about %(needed)s of memory, and a "
            "photo may use at most %(limit)s. Please upload a smaller copy, or save it as a JPEG."
        )
        % {
            "megapixels": f"{pixels / 1_000_000:.1f}".removesuffix(".0"),
            "needed": _megabytes(needed),
            "limit": _megabytes(limit),
        },
        code="too_much_memory",
    )


def _megabytes(n: int) -> str:
    """A byte count as people read it: "1.5 GB", "30 MB", "12 KB"."""
    if n >= 1024**3:
        return f"{n / 1024**3:.1f}".removesuffix(".0") + " GB"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def _unidentified(source: IO[bytes], name: str | None) -> ImageRejected:
    source.seek(0)
    head = source.read(1024)
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    name = (name or "").lower()
    if (
        b"<svg" in lowered
        or (lowered.startswith((b"<?xml", b"<!doctype svg")) and b"svg" in lowered)
        or name.endswith((".svg", ".svgz"))
    ):
        return ImageRejected(
            _("Vector images (SVG) are not accepted. Please upload a photo: JPEG, PNG, WebP, GIF, TIFF or HEIC."),
            code="vector",
        )
    if head.startswith(b"%PDF") or name.endswith(".pdf"):
        return ImageRejected(
            _(
                "This is a PDF document, not an image. Please upload the photo itself: "
                "JPEG, PNG, WebP, GIF, TIFF or HEIC."
            ),
            code="pdf",
        )
    return ImageRejected(
        _("This file is not an image we can read. Please upload a photo: JPEG, PNG, WebP, GIF, TIFF or HEIC."),
        code="not_an_image",
    )


# --- decoding -------------------------------------------------------------------


def _process_opened(
    im: Image.Image,
    *,
    sha256: str,
    size: int,
    max_pixels: int,
    max_decode_bytes: int,
    screen_side: int,
    thumb_side: int,
) -> ProcessedImage:
    # Only the header has been read so far: judge the pixel count before decoding.
    full_w, full_h = im.size
    if full_w <= 0 or full_h <= 0 or full_w * full_h > max_pixels:
        raise _too_many_pixels(max_pixels)

    original_format = "JPEG" if im.format == "MPO" else im.format
    orientation, taken_at = _read_exif(im)

    if original_format == "JPEG":
        # libjpeg decodes straight to a smaller scale (1/2, 1/4, 1/8), never below
        # the screen size. It still reads every byte, so a truncated file fails.
        # Not used for HEIF: its draft() would decode an embedded thumbnail
        # instead of the image, and the image itself would never be checked.
        scale = screen_side / max(full_w, full_h)
        if scale < 1:
            im.draft(None, (max(1, int(full_w * scale)), max(1, int(full_h * scale))))
    # Still only the header: what the decode will hold, by the mode it decodes to (after draft(),
    # a JPEG decodes at its reduced size).
    needed = decode_bytes(im.mode, im.size, image_format=original_format, transparency="transparency" in im.info)
    if needed > max_decode_bytes:
        raise _too_much_memory(pixels=full_w * full_h, needed=needed, limit=max_decode_bytes)
    im.load()  # the real decode: truncated and corrupt files fail here

    # Shrink first, then fix colours and orientation on the small image. Each
    # larger image is released as soon as the next one exists.
    decoded, icc = _normalise_mode(im)
    if decoded is not im:
        _release(im)
    screen = _fit(decoded, screen_side)
    if screen is not decoded:
        _release(decoded)
    screen = _to_srgb(screen, icc)
    transpose = _TRANSPOSE.get(orientation)
    if transpose is not None:
        screen = screen.transpose(transpose)
    thumb = _fit(screen, thumb_side)

    if orientation in (5, 6, 7, 8):
        full_w, full_h = full_h, full_w

    return ProcessedImage(
        sha256=sha256,
        original_format=original_format,
        original_size=size,
        width=full_w,
        height=full_h,
        taken_at=taken_at,
        screen=_jpeg(screen),
        screen_size=screen.size,
        thumbnail=_jpeg(thumb),
        thumbnail_size=thumb.size,
    )


def _read_exif(im: Image.Image) -> tuple[int, datetime.datetime | None]:
    """The EXIF orientation (1 when absent) and the date taken (None when absent).

    Garbled EXIF is ignored rather than refused: the photo itself is what matters.
    HEIF needs no rotation from here: libheif applies it and pillow-heif sets the
    EXIF orientation it hands over to 1.
    """
    try:
        exif = im.getexif()
    except Exception:  # noqa: BLE001 - any parse failure means "no usable EXIF"
        return 1, None
    orientation = exif.get(_ORIENTATION, 1)
    if not isinstance(orientation, int) or orientation not in range(1, 9):
        orientation = 1
    taken_at = None
    try:
        stamp = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    except Exception:  # noqa: BLE001
        stamp = exif.get(_DATETIME)
    if stamp:
        taken_at = _parse_exif_datetime(stamp)
    return orientation, taken_at


def _parse_exif_datetime(value: object) -> datetime.datetime | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    value = value.strip("\x00 \t\r\n")
    for pattern in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.datetime.strptime(value[:19], pattern)
        except ValueError:
            continue
    return None


def _normalise_mode(im: Image.Image) -> tuple[Image.Image, bytes | None]:
    """Any decoded mode -> 8-bit "L", "RGB" or "CMYK", transparency laid on white.

    Returns the image and the colour profile that still describes its pixels.
    """
    icc = im.info.get("icc_profile") or None
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit greyscale: Pillow's convert("L") clips at 255; scale instead.
        wide = im if mode == "I" else im.convert("I")
        top = wide.getextrema()[1]
        factor = 1 / 257 if top <= 65535 else 255 / top
        im = wide.point(lambda v: v * factor).convert("L")
        icc = None  # a 16-bit profile does not describe the rescaled values exactly
    elif mode == "F":
        top = im.getextrema()[1]
        im = (im.point(lambda v: v * 255) if top <= 1.0 else im).convert("L")
        icc = None
    elif mode in ("1", "HSV"):
        im = im.convert("RGB" if mode == "HSV" else "L")
        icc = None
    elif mode == "YCbCr":
        im = im.convert("RGB")
    elif mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode in ("PA", "LA", "La", "RGBa"):
        im = im.convert("RGBA")

    if im.mode == "RGBA":
        flat = Image.new("RGB", im.size, BACKGROUND)
        flat.paste(im, mask=im.getchannel("A"))
        im = flat

    if im.mode not in ("RGB", "L", "CMYK"):
        try:
            im = im.convert("RGB")
        except ValueError:
            raise ImageRejected(
                _("The colours of this image are stored in a way we cannot read. Please upload a JPEG or PNG copy."),
                code="unsupported_colours",
            ) from None
        icc = None
    return im, icc


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """An "L", "RGB" or "CMYK" image -> "RGB" in sRGB.

    Colour profile: a profile that is not sRGB (Display P3 from phones, Adobe RGB,
    a CMYK press profile, a grey profile) is converted to sRGB with LittleCMS, so
    the colours stay right once the profile is dropped. A profile that cannot be
    read or applied is dropped and the pixels are taken as they are. No profile
    is embedded in the output: browsers take an untagged JPEG as sRGB.
    """
    if icc:
        converted = _apply_profile(im, icc)
        if converted is not None:
            im = converted
    if im.mode != "RGB":
        im = im.convert("RGB")
    return im


def _apply_profile(im: Image.Image, icc: bytes) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(source) or ""
        if im.mode == "RGB" and "srgb" in description.lower():
            return None  # already sRGB
        in_place = im.mode == "RGB"
        result = ImageCms.profileToProfile(
            im,
            source,
            _SRGB,
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB",
            inPlace=in_place,
        )
        return im if in_place else result
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        logger.info("Dropped a colour profile that could not be applied: %r", exc)
        return None


def _release(im: Image.Image) -> None:
    """Free an image's pixels now. Image.Image.close, not ImageFile.close: the
    latter would also close the caller's file object."""
    Image.Image.close(im)


def _fit(im: Image.Image, side: int) -> Image.Image:
    """Shrink so the long side is at most ``side``; never enlarge."""
    w, h = im.size
    if max(w, h) <= side:
        return im
    scale = side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg(im: Image.Image) -> bytes:
    # Nothing from the original rides along: a fresh info dict, and no exif=,
    # icc_profile= or xmp= passed to save.
    im.info = {}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return out.getvalue()
