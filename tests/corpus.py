"""The upload corpus: the photos families really send, and the files that must be refused.

Every file is made here with Pillow (and pillow-heif for HEIC), deterministically: the same
bytes on every run, and no two good files alike (each has its own content hash). Used by the
live upload test (tests/test_upload_corpus.py) and anything else that needs real files.

    from tests.corpus import good_files, bad_files
    for item in good_files():      # CorpusFile(name, data, content_type, ...)
        ...
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

RED = (220, 30, 30)
GREEN = (30, 200, 40)
BLUE = (30, 40, 210)
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class CorpusFile:
    name: str
    data: bytes
    content_type: str
    #: For a bad file: the refusal code `memorial.imaging.ImageRejected.code` gives it.
    code: str = ""
    #: For a bad file: words the refusal message must contain (any one of them).
    says: tuple[str, ...] = ()
    #: For a good file: the format `Photo.original_format` records.
    original_format: str = ""
    #: For a good file: its size as seen upright (EXIF orientation applied).
    size: tuple[int, int] = (0, 0)

    @property
    def good(self) -> bool:
        return not self.code


# --- small builders --------------------------------------------------------------------


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def noisy(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """A photo-like picture: random texture, so the file has real data all the way through."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height; the data would never fill it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


# --- the good files ----------------------------------------------------------------------


def exif_rotated_jpeg() -> bytes:
    """A landscape frame from the sensor with Orientation=6: served as a portrait."""
    stored = noisy((120, 80), seed=11)
    stored.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored, "JPEG", quality=92, exif=exif.tobytes())


def jpeg_with_gps() -> bytes:
    photo = noisy((160, 120), seed=12)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x0110] = "SecretCam Model 9"
    exif.get_ifd(0x8769)[0x9003] = "2019:05:04 10:11:12"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)})
    return encode(photo, "JPEG", quality=90, exif=exif.tobytes())


def heic() -> bytes:
    photo = Image.new("RGB", (96, 64), GREEN)
    photo.paste(RED, (0, 0, 48, 64))
    buf = io.BytesIO()
    pillow_heif.from_pillow(photo).save(buf, quality=90)
    return buf.getvalue()


def cmyk_jpeg() -> bytes:
    photo = Image.new("CMYK", (60, 40), (0, 255, 255, 0))
    photo.paste((255, 0, 0, 0), (30, 0, 60, 40))
    return encode(photo, "JPEG", quality=95)


def png_16_bit() -> bytes:
    photo = Image.new("I;16", (64, 16))
    for x in range(64):
        for y in range(16):
            photo.putpixel((x, y), 32768 if x < 32 else 65535)
    return encode(photo, "PNG")


def palette_png() -> bytes:
    photo = Image.new("P", (40, 20), 0)
    photo.putpalette([0, 0, 0, *RED] + [0] * (256 - 2) * 3)
    photo.paste(1, (20, 0, 40, 20))
    return encode(photo, "PNG", transparency=0)


def rgba_png() -> bytes:
    photo = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    photo.paste((*BLUE, 255), (20, 0, 40, 20))
    return encode(photo, "PNG")


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (40, 30), RED), Image.new("RGB", (40, 30), GREEN)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def webp() -> bytes:
    return encode(noisy((64, 48), seed=13), "WEBP", quality=80)


def tiff() -> bytes:
    return encode(noisy((50, 40), seed=14), "TIFF")


def good_files() -> list[CorpusFile]:
    return [
        CorpusFile("IMG_0001.jpg", exif_rotated_jpeg(), "image/jpeg", original_format="JPEG", size=(80, 120)),
        CorpusFile("IMG_0002_gps.jpg", jpeg_with_gps(), "image/jpeg", original_format="JPEG", size=(160, 120)),
        CorpusFile("IMG_0003.HEIC", heic(), "image/heic", original_format="HEIF", size=(96, 64)),
        CorpusFile("print-cmyk.jpg", cmyk_jpeg(), "image/jpeg", original_format="JPEG", size=(60, 40)),
        CorpusFile("scan-16bit.png", png_16_bit(), "image/png", original_format="PNG", size=(64, 16)),
        CorpusFile("palette.png", palette_png(), "image/png", original_format="PNG", size=(40, 20)),
        CorpusFile("transparent.png", rgba_png(), "image/png", original_format="PNG", size=(40, 20)),
        CorpusFile("animated.gif", animated_gif(), "image/gif", original_format="GIF", size=(40, 30)),
        CorpusFile("photo.webp", webp(), "image/webp", original_format="WEBP", size=(64, 48)),
        CorpusFile("scan.tif", tiff(), "image/tiff", original_format="TIFF", size=(50, 40)),
    ]


# --- the bad files -----------------------------------------------------------------------

SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
)
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def truncated_jpeg() -> bytes:
    data = encode(noisy((400, 300), seed=15), "JPEG", quality=90)
    return data[: len(data) // 2]


def oversized_png(min_bytes: int) -> bytes:
    """A real PNG of random pixels (it does not compress) larger than min_bytes."""
    side = int((min_bytes / 3) ** 0.5) + 64
    data = encode(noisy((side, side), seed=16), "PNG", compress_level=1)
    assert len(data) > min_bytes, (len(data), min_bytes)
    return data


def bad_files(*, max_bytes: int) -> list[CorpusFile]:
    """What must be refused; `max_bytes` is the PHOTO_MAX_BYTES the server runs with."""
    return [
        CorpusFile("empty.jpg", b"", "image/jpeg", code="empty", says=("empty",)),
        CorpusFile("truncated.jpg", truncated_jpeg(), "image/jpeg", code="corrupt", says=("damaged", "incomplete")),
        CorpusFile(
            "letter.jpg",
            b"Dear family, these are the photos from the service.\n" * 20,
            "image/jpeg",
            code="not_an_image",
            says=("not an image",),
        ),
        CorpusFile("flower.svg", SVG, "image/svg+xml", code="vector", says=("SVG",)),
        CorpusFile("programme.pdf", PDF, "application/pdf", code="pdf", says=("PDF",)),
        CorpusFile("bomb.png", png_header_only(60000, 60000), "image/png", code="too_many_pixels", says=("pixels",)),
        CorpusFile("huge.png", oversized_png(max_bytes), "image/png", code="too_large", says=("too large",)),
    ]
