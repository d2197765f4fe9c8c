"""What a family sees when they upload a photo: memorial.imaging.process_upload.

Every file here is made in the test itself with Pillow (and pillow-heif for HEIC).
"""

import datetime
import hashlib
import io
import random
import struct
import time
import zlib

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

from memorial.imaging import ImageRejected, ProcessedImage, process_upload

RED = (220, 30, 30)
GREEN = (30, 200, 40)
BLUE = (30, 40, 210)
WHITE = (255, 255, 255)


# --- helpers -----------------------------------------------------------------------


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def noisy(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """A photo-like picture: random texture, so the file has real data all the way through."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def served(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    return img


def close_to(pixel, expected, tolerance=30) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=False))


def refusal(data: bytes, name: str = "photo.jpg", **limits) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        process_upload(upload(data, name), **limits)
    return caught.value


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


# --- what is served ------------------------------------------------------------------


def test_a_phone_photo_rotated_by_exif_is_served_upright():
    # The sensor stores a landscape frame; Orientation=6 says "turn 90 degrees clockwise to view".
    stored = Image.new("RGB", (120, 80), WHITE)
    stored.paste(RED, (0, 0, 20, 20))  # marker in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6

    result = process_upload(upload(encode(stored, "JPEG", quality=95, exif=exif.tobytes())))

    assert (result.width, result.height) == (80, 120)
    assert result.screen_size == (80, 120)
    img = served(result.screen)
    assert img.size == (80, 120)
    # Turned clockwise, the top-left corner goes to the top-right.
    assert close_to(img.getpixel((70, 10)), RED)
    assert close_to(img.getpixel((10, 10)), WHITE)
    assert served(result.thumbnail).size == (80, 120)


def test_a_mirrored_and_rotated_photo_reports_its_upright_size():
    stored = Image.new("RGB", (60, 40), WHITE)
    stored.paste(BLUE, (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 5  # transpose: the top-left stays top-left, the frame turns portrait

    result = process_upload(upload(encode(stored, "JPEG", quality=95, exif=exif.tobytes())))

    assert (result.width, result.height) == (40, 60)
    assert close_to(served(result.screen).getpixel((4, 4)), BLUE)


def test_gps_and_camera_metadata_are_not_served():
    photo = noisy((160, 120))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "SecretCam Model 9"  # Model
    exif[0x0112] = 1
    exif.get_ifd(0x8769)[0x9003] = "2019:05:04 10:11:12"
    exif.get_ifd(0x8825).update(
        {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)}  # GPSLatitude..., a real place
    )
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>51,30.2N</exif:GPSLatitude></x:xmpmeta>'
    data = encode(photo, "JPEG", quality=90, exif=exif.tobytes(), xmp=xmp)
    assert b"Exif" in data and b"SecretCam" in data  # the upload really carries them

    result = process_upload(upload(data))

    assert result.taken_at == datetime.datetime(2019, 5, 4, 10, 11, 12)  # kept as a fact, not served
    for output in (result.screen, result.thumbnail):
        img = served(output)
        assert dict(img.getexif()) == {}
        assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(img.info)
        for secret in (b"Exif", b"GPS", b"SecretCam", b"xmpmeta", b"adobe"):
            assert secret not in output


def test_the_date_taken_comes_from_exif():
    exif = Image.Exif()
    exif[0x0132] = "2020:01:01 00:00:00"  # DateTime: when the file was last changed
    exif.get_ifd(0x8769)[0x9003] = "1987:06:21 14:30:05"  # DateTimeOriginal: when it was taken
    result = process_upload(upload(encode(noisy((40, 30)), "JPEG", exif=exif.tobytes())))
    assert result.taken_at == datetime.datetime(1987, 6, 21, 14, 30, 5)


def test_the_date_falls_back_to_exif_datetime_and_a_garbled_one_is_ignored():
    exif = Image.Exif()
    exif[0x0132] = "2001:02:03 04:05:06"
    result = process_upload(upload(encode(noisy((40, 30)), "JPEG", exif=exif.tobytes())))
    assert result.taken_at == datetime.datetime(2001, 2, 3, 4, 5, 6)

    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
    result = process_upload(upload(encode(noisy((40, 30)), "JPEG", exif=exif.tobytes())))
    assert result.taken_at is None

    result = process_upload(upload(encode(noisy((40, 30)), "JPEG")))
    assert result.taken_at is None


def test_the_upload_is_fingerprinted_and_measured_as_sent():
    data = encode(noisy((64, 48)), "PNG")
    result = process_upload(upload(data, "photo.png"))
    assert isinstance(result, ProcessedImage)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.original_size == len(data)
    assert result.original_format == "PNG"
    assert (result.width, result.height) == (64, 48)


def test_a_heic_photo_from_an_iphone_is_accepted():
    photo = Image.new("RGB", (96, 64), GREEN)
    photo.paste(RED, (0, 0, 48, 64))
    heif = pillow_heif.from_pillow(photo)
    buf = io.BytesIO()
    heif.save(buf, quality=90)

    result = process_upload(upload(buf.getvalue(), "IMG_0001.HEIC"))

    assert result.original_format == "HEIF"
    assert (result.width, result.height) == (96, 64)
    img = served(result.screen)
    assert close_to(img.getpixel((10, 32)), RED, 40)
    assert close_to(img.getpixel((85, 32)), GREEN, 40)


def test_a_heic_photo_turned_by_its_camera_is_served_upright_once():
    stored = Image.new("RGB", (120, 80), WHITE)
    stored.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # pillow-heif writes it as the container's rotation; libheif applies it
    data = encode(stored, "HEIF", quality=90, exif=exif.tobytes())

    result = process_upload(upload(data, "IMG_0002.HEIC"))

    assert (result.width, result.height) == (80, 120)
    img = served(result.screen)
    assert close_to(img.getpixel((70, 10)), RED, 40)  # turned once, not twice
    assert close_to(img.getpixel((10, 10)), WHITE, 40)


@pytest.mark.parametrize(
    ("fmt", "name", "expected"),
    [
        ("JPEG", "a.jpg", "JPEG"),
        ("PNG", "a.png", "PNG"),
        ("WEBP", "a.webp", "WEBP"),
        ("GIF", "a.gif", "GIF"),
        ("TIFF", "a.tif", "TIFF"),
    ],
)
def test_the_common_photo_formats_are_accepted(fmt, name, expected):
    photo = Image.new("RGB", (50, 40), BLUE)
    result = process_upload(upload(encode(photo, fmt), name))
    assert result.original_format == expected
    assert close_to(served(result.screen).getpixel((25, 20)), BLUE)


def test_a_cmyk_jpeg_keeps_its_colours():
    photo = Image.new("CMYK", (60, 40), (0, 255, 255, 0))  # pure red in ink
    photo.paste((255, 0, 0, 0), (30, 0, 60, 40))  # cyan in ink
    result = process_upload(upload(encode(photo, "JPEG", quality=95)))
    img = served(result.screen)
    assert img.mode == "RGB"
    assert close_to(img.getpixel((10, 20)), (255, 0, 0), 40)
    assert close_to(img.getpixel((50, 20)), (0, 255, 255), 40)


def test_a_16_bit_png_keeps_its_tones_instead_of_turning_white():
    photo = Image.new("I;16", (64, 16))
    for x in range(64):
        for y in range(16):
            photo.putpixel((x, y), 32768 if x < 32 else 65535)
    result = process_upload(upload(encode(photo, "PNG"), "scan.png"))
    img = served(result.screen)
    assert img.mode == "RGB"
    assert close_to(img.getpixel((10, 8)), (128, 128, 128), 8)  # mid grey stays mid grey
    assert close_to(img.getpixel((50, 8)), WHITE, 8)


def test_a_palette_png_with_transparency_is_laid_on_white():
    photo = Image.new("P", (40, 20), 0)
    photo.putpalette([0, 0, 0, *RED] + [0] * (256 - 2) * 3)
    photo.paste(1, (20, 0, 40, 20))
    result = process_upload(upload(encode(photo, "PNG", transparency=0), "a.png"))
    img = served(result.screen)
    assert close_to(img.getpixel((5, 10)), WHITE, 8)  # transparent index -> white, not black
    assert close_to(img.getpixel((35, 10)), RED)


def test_a_transparent_png_is_laid_on_white():
    photo = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    photo.paste((*BLUE, 255), (20, 0, 40, 20))
    result = process_upload(upload(encode(photo, "PNG"), "a.png"))
    img = served(result.screen)
    assert close_to(img.getpixel((5, 10)), WHITE, 8)
    assert close_to(img.getpixel((35, 10)), BLUE)


def test_a_grey_png_with_alpha_is_laid_on_white():
    photo = Image.new("LA", (40, 20), (0, 0))
    photo.paste((60, 255), (20, 0, 40, 20))
    result = process_upload(upload(encode(photo, "PNG"), "a.png"))
    img = served(result.screen)
    assert close_to(img.getpixel((5, 10)), WHITE, 8)
    assert close_to(img.getpixel((35, 10)), (60, 60, 60), 12)


def test_an_animated_gif_is_shown_by_its_first_frame():
    frames = [Image.new("RGB", (40, 30), RED), Image.new("RGB", (40, 30), GREEN)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = process_upload(upload(data, "a.gif"))
    assert result.original_format == "GIF"
    assert close_to(served(result.screen).getpixel((20, 15)), RED)


def _linear_rgb_profile() -> bytes:
    """An ICC v2 matrix profile with sRGB's primaries but a straight (gamma 1.0) curve.

    A mid value of 128 in this space is the sRGB value 188: easy to check by hand,
    and far from what dropping the profile would give (128).
    """

    def xyz(x, y, z):
        return b"XYZ " + b"\0" * 4 + struct.pack(">iii", *(round(v * 65536) for v in (x, y, z)))

    text = b"Linear RGB test profile\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 8 + b"\0" * 3 + b"\0" * 67
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 0x0100) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        while len(data) % 4:
            data += b"\0"
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + struct.pack(">iii", *(round(v * 65536) for v in (0.9642, 1.0, 0.8249)))
        + b"\0" * 4
        + b"\0" * 44
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def test_a_photo_with_another_colour_profile_is_converted_to_srgb():
    photo = Image.new("RGB", (30, 20), (128, 128, 128))
    data = encode(photo, "JPEG", quality=95, icc_profile=_linear_rgb_profile())
    result = process_upload(upload(data))
    img = served(result.screen)
    assert "icc_profile" not in img.info
    assert close_to(img.getpixel((15, 10)), (188, 188, 188), 6)


def test_an_srgb_photo_keeps_its_colours_and_loses_its_profile():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (30, 20), RED), "JPEG", quality=95, icc_profile=srgb)
    img = served(process_upload(upload(data)).screen)
    assert "icc_profile" not in img.info
    assert close_to(img.getpixel((15, 10)), RED, 8)


def test_a_large_photo_is_shrunk_for_screens_and_thumbnails():
    result = process_upload(upload(encode(noisy((2600, 1300)), "JPEG", quality=80)))
    assert (result.width, result.height) == (2600, 1300)
    assert result.screen_size == (2048, 1024)
    assert result.thumbnail_size == (480, 240)
    assert served(result.screen).size == (2048, 1024)
    assert served(result.thumbnail).size == (480, 240)


def test_the_served_sizes_follow_the_settings(settings):
    settings.PHOTO_SCREEN_SIZE = 256
    settings.PHOTO_THUMB_SIZE = 64
    photo = Image.new("RGB", (400, 600), GREEN)  # portrait: the long side is the height
    result = process_upload(upload(encode(photo, "PNG"), "a.png"))
    assert result.screen_size == (171, 256)
    assert result.thumbnail_size == (43, 64)


def test_a_small_photo_is_never_enlarged():
    result = process_upload(upload(encode(noisy((300, 200)), "JPEG")))
    assert result.screen_size == (300, 200)
    assert result.thumbnail_size == (300, 200)
    assert served(result.screen).size == (300, 200)


def test_a_plain_file_object_and_an_unseekable_stream_both_work():
    data = encode(noisy((40, 30)), "JPEG")
    from_file = process_upload(io.BytesIO(data))

    class Stream:
        def __init__(self, payload):
            self._buf = io.BytesIO(payload)

        def read(self, n=-1):
            return self._buf.read(n)

    from_stream = process_upload(Stream(data))
    assert from_file.sha256 == from_stream.sha256 == hashlib.sha256(data).hexdigest()


def test_the_uploaded_file_is_left_open_for_storing():
    f = upload(encode(noisy((40, 30)), "JPEG"))
    process_upload(f)
    assert not f.closed
    assert f.read(2) == b"\xff\xd8"


# --- what is refused ------------------------------------------------------------------


def test_an_empty_file_is_refused():
    err = refusal(b"")
    assert "empty" in str(err)
    assert err.code == "empty"
    assert isinstance(err, ValueError)


def test_a_truncated_photo_is_refused():
    data = encode(noisy((400, 300)), "JPEG", quality=90)
    err = refusal(data[: len(data) // 2])
    assert "damaged" in str(err) or "incomplete" in str(err)
    assert err.code == "corrupt"


def test_a_truncated_photo_is_refused_even_when_decoded_at_reduced_scale(settings):
    settings.PHOTO_SCREEN_SIZE = 64  # a 400 px photo is then decoded at 1/4 scale
    data = encode(noisy((400, 300)), "JPEG", quality=90, progressive=True)
    assert refusal(data[: len(data) // 2]).code == "corrupt"
    assert refusal(data[: len(data) - 300]).code == "corrupt"


def test_a_truncated_png_is_refused():
    data = encode(noisy((200, 100)), "PNG")
    assert refusal(data[: len(data) // 2], "a.png").code == "corrupt"


def test_a_text_file_renamed_to_jpg_is_refused():
    err = refusal(b"Dear family, these are the photos from the service.\n" * 20, "mum.jpg")
    assert "not an image" in str(err)
    assert err.code == "not_an_image"


def test_an_svg_is_refused_as_a_vector_image():
    svg = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
    )
    err = refusal(svg, "flower.svg")
    assert "Vector" in str(err) and "SVG" in str(err)
    assert err.code == "vector"


def test_a_pdf_is_refused():
    pdf = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    err = refusal(pdf, "programme.jpg")
    assert "PDF" in str(err) and "not an image" in str(err)


def test_an_image_format_outside_the_list_is_refused():
    err = refusal(encode(Image.new("RGB", (10, 10), RED), "BMP"), "a.bmp")
    assert err.code == "not_an_image"
    assert "JPEG" in str(err)  # tells what is accepted


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def test_a_png_claiming_sixty_thousand_pixels_square_is_refused_before_decoding():
    data = _png_header_only(60000, 60000)  # 3.6 gigapixels, about 10 GB if ever decoded
    start = time.perf_counter()
    err = refusal(data, "bomb.png")
    assert time.perf_counter() - start < 1.0
    assert "pixels" in str(err)
    assert err.code == "too_many_pixels"


def test_a_photo_over_the_pixel_limit_is_refused_from_its_header():
    data = _png_header_only(12000, 9000)  # 108 MP: over our limit, under Pillow's bomb error
    err = refusal(data, "big.png", max_pixels=100_000_000)
    assert err.code == "too_many_pixels" and "100 megapixels" in str(err)

    err = refusal(encode(noisy((40, 30)), "JPEG"), max_pixels=1000)
    assert err.code == "too_many_pixels"


def test_a_file_over_the_size_limit_is_refused(settings):
    data = encode(noisy((100, 100)), "PNG")
    err = refusal(data, "a.png", max_bytes=1024)
    assert "too large" in str(err) and "1 KB" in str(err)
    assert err.code == "too_large"

    settings.PHOTO_MAX_BYTES = 2048
    assert refusal(data, "a.png").code == "too_large"


def test_an_oversized_upload_is_refused_before_it_is_read(settings):
    settings.PHOTO_MAX_BYTES = 30 * 1024 * 1024

    class Huge:
        size = 31 * 1024 * 1024
        name = "huge.jpg"

        def read(self, n=-1):  # pragma: no cover - must never be called
            raise AssertionError("read before checking the size")

        def seek(self, pos, whence=0):
            return 0

    with pytest.raises(ImageRejected) as caught:
        process_upload(Huge())
    assert caught.value.code == "too_large" and "30 MB" in str(caught.value)


def test_a_stream_that_lies_about_its_size_is_cut_off_while_reading():
    class Liar(io.BytesIO):
        size = 10  # claims to be small

    with pytest.raises(ImageRejected) as caught:
        process_upload(Liar(b"\xff\xd8" + b"\x00" * 5000), max_bytes=4096)
    assert caught.value.code == "too_large"
