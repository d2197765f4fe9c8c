"""Bounded: one upload cannot take the server's memory, one memorial cannot fill its disk, one life
story cannot be a book (issue 13, item 15)."""

import io
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from memorial.imaging import ImageRejected, decode_bytes, process_upload
from memorial.models import Photo

# --- decoding memory follows the colour mode, not only the pixels ------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    """A tiny PNG whose header claims a size: colour type 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def as_upload(data: bytes, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def refused(data: bytes, **limits) -> ImageRejected:
    start = time.perf_counter()
    with pytest.raises(ImageRejected) as caught:
        process_upload(as_upload(data), **limits)
    assert time.perf_counter() - start < 1.0  # judged from the header, never decoded
    return caught.value


def encode_png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_a_hundred_megapixel_transparent_png_is_refused_before_it_is_decoded():
    # 10000 x 10000 RGBA: under the pixel limit, but about 900 MB to decode and lay on white.
    err = refused(png_header(10_000, 10_000, colour_type=6))
    assert err.code == "too_much_memory"
    assert "100 megapixels" in str(err) and "memory" in str(err) and "512 MB" in str(err)


def test_a_hundred_megapixel_16_bit_png_is_refused_before_it_is_decoded():
    err = refused(png_header(10_000, 10_000, bit_depth=16, colour_type=0))
    assert err.code == "too_much_memory"
    assert "1 GB" in str(err)  # about 1.1 GB: a 16-bit image is rescaled through 32-bit copies


def test_a_grey_png_with_alpha_is_weighed_by_its_mode():
    assert refused(png_header(8000, 8000, colour_type=4)).code == "too_much_memory"


def test_an_rgb_png_of_the_same_size_still_passes_the_memory_check():
    # Within the budget: it goes on to the real decode, where this header-only file is found broken.
    err = refused(png_header(10_000, 10_000, colour_type=2))
    assert err.code == "corrupt"


def test_the_pixel_limit_still_holds_for_any_mode():
    assert refused(png_header(12_000, 9_000, colour_type=0)).code == "too_many_pixels"


def test_the_memory_budget_is_a_setting(settings):
    settings.PHOTO_MAX_DECODE_BYTES = 64 * 1024 * 1024
    # 20 MP RGB: 80 MB to decode.
    err = refused(png_header(5000, 4000, colour_type=2))
    assert err.code == "too_much_memory" and "64 MB" in str(err)


def test_real_transparent_and_16_bit_photos_are_weighed_by_their_mode():
    rgba = Image.new("RGBA", (300, 200), (200, 30, 30, 128))
    needed = decode_bytes("RGBA", (300, 200))
    assert needed == 300 * 200 * 9
    assert process_upload(as_upload(encode_png(rgba)), max_decode_bytes=needed).width == 300
    with pytest.raises(ImageRejected) as caught:
        process_upload(as_upload(encode_png(rgba)), max_decode_bytes=needed - 1)
    assert caught.value.code == "too_much_memory"

    grey16 = Image.new("I;16", (200, 100), 40000)
    assert decode_bytes("I;16", (200, 100)) > decode_bytes("L", (200, 100)) * 10
    result = process_upload(as_upload(encode_png(grey16)))
    assert result.width == 200
    with pytest.raises(ImageRejected) as caught:
        process_upload(as_upload(encode_png(grey16)), max_decode_bytes=decode_bytes("RGB", (200, 100)))
    assert caught.value.code == "too_much_memory"

    # The same pixels as an RGB photo fit where the 16-bit one did not.
    rgb = Image.new("RGB", (200, 100), (10, 20, 30))
    assert process_upload(as_upload(encode_png(rgb)), max_decode_bytes=decode_bytes("RGB", (200, 100))).width == 200


def test_a_large_jpeg_is_weighed_at_the_reduced_scale_it_is_decoded_at(settings):
    settings.PHOTO_SCREEN_SIZE = 256
    out = io.BytesIO()
    Image.new("RGB", (2048, 1536), (90, 120, 150)).save(out, "JPEG")
    # Decoded at 1/8 scale: 256 x 192 x 4 bytes, far under what the full size would need.
    result = process_upload(as_upload(out.getvalue(), "big.jpg"), max_decode_bytes=256 * 192 * 4)
    assert (result.width, result.height) == (2048, 1536)


def test_a_family_member_uploading_a_huge_transparent_png_is_told_why(client, family, settings):
    memorial = family.memorial()
    album = memorial.albums.get()
    client.force_login(family.contributor)
    response = client.post(
        reverse("memorial:upload", args=[memorial.slug, album.pk]),
        {"files": [as_upload(png_header(10_000, 10_000, colour_type=6), "scan.png")]},
    )
    assert response.status_code == 400
    assert "scan.png" in response.content.decode() and "memory" in response.content.decode()
    assert not Photo.objects.exists()

    response = client.post(
        reverse("memorial_api:album-photos", args=[album.pk]),
        {"files": [as_upload(png_header(10_000, 10_000, bit_depth=16, colour_type=0), "scan16.png")]},
    )
    assert response.status_code == 400
    body = response.json()
    assert "memory" in body["detail"] and body["files"][0]["error"]
    assert not Photo.objects.exists()


# --- a life story has a length limit ---------------------------------------------------------


def test_a_manager_pasting_a_book_into_the_life_story_is_told_the_limit_and_keeps_the_text(client, family, settings):
    settings.MEMORIAL_LIFE_STORY_MAX_CHARS = 1000
    memorial = family.memorial(life_story="She loved the sea.")
    client.force_login(family.manager)
    url = reverse("memorial:edit", args=[memorial.slug])
    form = {"full_name": memorial.full_name, "language": "ko", "visibility": "public", "condolence_policy": "open"}

    response = client.post(url, {**form, "life_story": "바다" * 600})  # 1200 characters
    assert response.status_code == 400
    page = response.content.decode()
    assert "too long" in page and "1,200" in page and "1,000" in page
    assert "바다바다" in page  # what was typed is still in the form
    memorial.refresh_from_db()
    assert memorial.life_story == "She loved the sea."

    assert client.post(url, {**form, "life_story": "바" * 1000}).status_code == 302
    memorial.refresh_from_db()
    assert len(memorial.life_story) == 1000


def test_a_life_story_over_the_limit_is_refused_over_the_api(family, settings):
    from rest_framework.test import APIClient

    settings.MEMORIAL_LIFE_STORY_MAX_CHARS = 1000
    api = APIClient()
    api.force_login(family.owner)
    response = api.post("/api/v1/memorials/", {"full_name": "Grace Lee", "life_story": "x" * 1001}, format="json")
    assert response.status_code == 400
    assert "too long" in response.json()["life_story"][0]

    memorial = family.memorial(life_story="Short.")
    response = api.patch(f"/api/v1/memorials/{memorial.slug}/", {"life_story": "y" * 5000}, format="json")
    assert response.status_code == 400 and "1,000" in response.json()["life_story"][0]
    memorial.refresh_from_db()
    assert memorial.life_story == "Short."


def test_the_default_life_story_limit_is_generous():
    from django.conf import settings

    assert settings.MEMORIAL_LIFE_STORY_MAX_CHARS >= 50_000


# --- a memorial's storage has a quota ------------------------------------------------------------


def _stored_files(settings) -> set:
    found = set()
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        if root.exists():
            found |= {p for p in root.rglob("*") if p.is_file()}
    return found


def test_a_photo_counts_its_original_and_both_served_copies(family):
    from memorial import quota
    from tests.conftest import add_photo

    memorial = family.memorial()
    assert quota.used_bytes(memorial) == 0
    photo = add_photo(memorial, family.contributor)
    assert photo.screen_bytes == photo.screen.size and photo.thumbnail_bytes == photo.thumbnail.size > 0
    assert quota.used_bytes(memorial) == photo.original_size + photo.screen.size + photo.thumbnail.size
    assert quota.used_bytes(family.memorial()) == 0  # another memorial's photos are its own


def test_an_upload_over_the_memorials_quota_is_refused_before_anything_is_stored(client, family, settings):
    from memorial import quota
    from tests.conftest import add_photo, jpeg_upload

    memorial = family.memorial()
    album = memorial.albums.get()
    first = add_photo(memorial, family.contributor, color=(10, 20, 30))
    settings.MEMORIAL_STORAGE_QUOTA_BYTES = quota.used_bytes(memorial) + 100  # room for 100 bytes more
    before = _stored_files(settings)

    client.force_login(family.contributor)
    url = reverse("memorial:upload", args=[memorial.slug, album.pk])
    response = client.post(url, {"files": [jpeg_upload("sea.jpg", color=(200, 20, 30))]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "sea.jpg" in page and "does not fit in the memorial&#x27;s storage" in page and "deleting photos" in page
    assert list(Photo.objects.all()) == [first] and _stored_files(settings) == before

    api = APIClient()
    api.force_login(family.contributor)
    response = api.post(f"/api/v1/albums/{album.pk}/photos/", {"files": [jpeg_upload("sea.jpg", color=(200, 20, 30))]})
    assert response.status_code == 400
    assert "storage" in response.json()["detail"] and response.json()["files"][0]["outcome"] == "refused"
    assert list(Photo.objects.all()) == [first] and _stored_files(settings) == before


def test_a_full_memorial_refuses_an_upload_without_decoding_it(family, settings, monkeypatch):
    from memorial import photos, quota
    from memorial.imaging import ImageRejected
    from tests.conftest import add_photo, jpeg_upload

    memorial = family.memorial()
    add_photo(memorial, family.contributor)
    settings.MEMORIAL_STORAGE_QUOTA_BYTES = quota.used_bytes(memorial)

    def never(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("decoded an upload the memorial has no room for")

    monkeypatch.setattr(photos, "process_upload", never)
    with pytest.raises(ImageRejected) as caught:
        photos.add_photo(album=memorial.albums.get(), upload=jpeg_upload("more.jpg"), by=family.contributor)
    assert caught.value.code == "storage_full" and "full" in str(caught.value)


def test_managers_see_how_much_of_the_storage_is_used(client, family, settings):
    from tests.conftest import add_photo

    settings.MEMORIAL_STORAGE_QUOTA_BYTES = 5 * 1024**3
    memorial = family.memorial()
    add_photo(memorial, family.contributor)
    url = reverse("memorial:album", args=[memorial.slug, memorial.albums.get().pk])

    client.force_login(family.manager)
    page = client.get(url).content.decode().replace("\xa0", " ")
    assert 'id="storage-usage"' in page and "KB of 5.0 GB used" in page

    client.force_login(family.contributor)  # uploads, but the usage is the managers' business
    assert 'id="storage-usage"' not in client.get(url).content.decode()
    client.logout()
    assert 'id="storage-usage"' not in client.get(url).content.decode()


def test_everyone_who_uploads_is_told_when_the_storage_is_full(client, family, settings):
    from memorial import quota
    from tests.conftest import add_photo

    memorial = family.memorial()
    add_photo(memorial, family.contributor)
    settings.MEMORIAL_STORAGE_QUOTA_BYTES = quota.used_bytes(memorial)
    client.force_login(family.contributor)
    page = client.get(reverse("memorial:album", args=[memorial.slug, memorial.albums.get().pk])).content.decode()
    assert 'id="storage-full"' in page


def test_the_default_quota_is_five_gigabytes():
    from django.conf import settings

    assert settings.MEMORIAL_STORAGE_QUOTA_BYTES == 5 * 1024**3


def test_managers_read_the_storage_usage_over_the_api(family):
    from memorial import quota
    from tests.conftest import add_photo

    memorial = family.memorial()
    add_photo(memorial, family.contributor)
    api = APIClient()
    api.force_login(family.manager)
    storage = api.get(f"/api/v1/memorials/{memorial.slug}/").json()["storage"]
    assert storage["used"] == quota.used_bytes(memorial) > 0 and storage["limit"] == 5 * 1024**3
    assert "used" in storage["display"]
    api.force_login(family.viewer)
    assert api.get(f"/api/v1/memorials/{memorial.slug}/").json()["storage"] is None


def test_paintings_and_their_recordings_count_in_the_memorials_storage(memorial, photo, artwork):
    from memorial import quota

    artwork.refresh_from_db()
    narration = artwork.tribute.narration
    assert artwork.stored_bytes == artwork.image.size + artwork.thumbnail.size > 0
    assert narration.audio_bytes == narration.audio.size > 0
    photos = photo.original_size + photo.screen_bytes + photo.thumbnail_bytes
    assert quota.used_bytes(memorial) == photos + artwork.stored_bytes + narration.audio_bytes


def test_a_full_memorial_makes_no_more_paintings_and_says_why(client, family, memorial, photo, style, settings):
    from generation.models import StylizationJob
    from memorial import quota

    settings.MEMORIAL_STORAGE_QUOTA_BYTES = quota.used_bytes(memorial)
    api = APIClient()
    api.force_login(family.contributor)
    response = api.post(f"/api/v1/photos/{photo.pk}/artworks/", {"style": style.slug}, format="json")
    assert response.status_code == 400 and "storage is full" in response.json()["detail"]

    client.force_login(family.contributor)
    response = client.post(reverse("generation:request", args=[photo.pk]), {"style": style.slug}, follow=True)
    assert "storage is full" in response.content.decode().replace("&#x27;", "'")
    assert not StylizationJob.objects.exists()


def test_two_uploads_at_once_cannot_both_take_the_last_room(family, settings, monkeypatch):
    """The second check runs under the memorial's lock, after the files of the first were counted."""
    from memorial import photos, quota
    from memorial.imaging import ImageRejected
    from tests.conftest import jpeg_upload

    memorial = family.memorial()
    album = memorial.albums.get()
    settings.MEMORIAL_STORAGE_QUOTA_BYTES = 10**9
    checks = []
    real = quota.require_room

    def room_then_a_rival(memorial_, needed):
        checks.append(needed)
        real(memorial_, needed)
        if len(checks) == 2:  # the first upload passed its checks before storing: a rival fills the room
            settings.MEMORIAL_STORAGE_QUOTA_BYTES = quota.used_bytes(memorial_) + needed - 1

    monkeypatch.setattr(quota, "require_room", room_then_a_rival)
    before = _stored_files(settings)
    with pytest.raises(ImageRejected) as caught:
        photos.add_photo(album=album, upload=jpeg_upload("last.jpg"), by=family.contributor)
    assert caught.value.code == "storage_full"
    assert not Photo.objects.exists() and _stored_files(settings) == before
