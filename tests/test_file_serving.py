"""Photos, paintings, recordings and downloads as browsers fetch them: byte ranges (to seek in a
recording; Safari asks before it plays one), and nginx sending the file once Django has allowed
it (MEDIA_ACCEL_PREFIX)."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from memorial import photos as photo_service
from memorial import services
from tests.conftest import jpeg_upload, paint

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(family, style):
    memorial = family.memorial("public")
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload("IMG_0001.jpg"), by=family.owner)
    return memorial, photo, paint(photo, style, family.owner)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_recording_can_be_played_from_any_point(client, family, world):
    memorial, photo, artwork = world
    client.force_login(family.viewer)
    url = reverse("generation:narration_audio", args=[artwork.pk])
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    data = body(whole)
    size = len(data)
    assert size > 1000

    probe = client.get(url, HTTP_RANGE="bytes=0-1")  # what Safari asks first
    assert probe.status_code == 206 and probe["Content-Range"] == f"bytes 0-1/{size}" and body(probe) == data[:2]
    assert probe["Content-Type"] == "audio/mpeg" and probe["Content-Length"] == "2"
    middle = client.get(url, HTTP_RANGE=f"bytes={size // 2}-")
    assert middle.status_code == 206 and body(middle) == data[size // 2 :]
    tail = client.get(url, HTTP_RANGE="bytes=-100")
    assert (
        tail.status_code == 206
        and body(tail) == data[-100:]
        and tail["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"
    )
    past_the_end = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert past_the_end.status_code == 416 and past_the_end["Content-Range"] == f"bytes */{size}"
    # A range we do not serve (several, or malformed) gets the whole file.
    for header in ("bytes=0-1,5-6", "bytes=abc", "items=0-1", "bytes=9-2"):
        response = client.get(url, HTTP_RANGE=header)
        assert response.status_code == 200 and body(response) == data, header


def test_asking_for_a_range_opens_nothing_that_is_hidden(client, family, world):
    memorial, photo, artwork = world
    services.update_memorial(memorial=memorial, visibility="private")
    for url in (
        reverse("generation:narration_audio", args=[artwork.pk]),
        reverse("memorial:photo_file", args=[photo.pk, "screen"]),
    ):
        response = client.get(url, HTTP_RANGE="bytes=0-1")
        assert response.status_code == 404 and "Content-Range" not in response, url


def test_behind_nginx_the_file_is_sent_by_nginx_after_the_permission_check(client, family, world, settings):
    settings.MEDIA_ACCEL_PREFIX = "/_protected"
    memorial, photo, artwork = world
    client.force_login(family.manager)

    thumb = client.get(reverse("memorial:photo_file", args=[photo.pk, "thumb"]))
    assert thumb.status_code == 200 and thumb.content == b""
    assert thumb["X-Accel-Redirect"] == f"/_protected/media/{quote(photo.thumbnail.name)}"
    assert thumb["Content-Type"] == "image/jpeg" and thumb["Cache-Control"].startswith("public")

    original = client.get(reverse("memorial:photo_original", args=[photo.pk]))
    assert original["X-Accel-Redirect"] == f"/_protected/private/{quote(photo.original.name)}"
    assert original["Content-Type"] == "application/octet-stream"
    assert original["Content-Disposition"] == 'attachment; filename="IMG_0001.jpg"'

    audio = client.get(reverse("generation:narration_audio", args=[artwork.pk]))
    assert audio["X-Accel-Redirect"].startswith("/_protected/media/") and audio["Content-Type"] == "audio/mpeg"

    # Nobody else gets the redirect, and so never the file.
    services.update_memorial(memorial=memorial, visibility="private")
    client.logout()
    refused = client.get(reverse("memorial:photo_file", args=[photo.pk, "thumb"]))
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


@pytest.mark.parametrize("behind_nginx", [False, True])
def test_a_file_gone_from_storage_is_a_404_not_a_redirect_or_an_error(client, family, world, settings, behind_nginx):
    settings.MEDIA_ACCEL_PREFIX = "/_protected" if behind_nginx else ""
    memorial, photo, artwork = world
    photo.thumbnail.storage.delete(photo.thumbnail.name)
    client.force_login(family.manager)
    response = client.get(reverse("memorial:photo_file", args=[photo.pk, "thumb"]))
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_a_prefix_that_is_not_a_path_stops_the_process_with_a_message():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "MEDIA_ACCEL_PREFIX": "_protected", "HOME": "/tmp"},
    )
    assert result.returncode != 0 and "MEDIA_ACCEL_PREFIX must be a path starting with /" in result.stderr


def test_only_files_every_visitor_sees_may_be_kept_by_shared_caches(client, family, world):
    """A CDN keeps what any guest with the address sees; a hidden photo, its painting, a painting
    not yet published and a photo of the family-only album are answered to the family alone."""
    memorial, photo, artwork = world
    artwork.published = True
    artwork.save(update_fields=["published"])
    client.force_login(family.manager)
    photo_url = reverse("memorial:photo_file", args=[photo.pk, "screen"])
    painting_url = reverse("generation:artwork_image", args=[artwork.pk])
    assert client.get(photo_url)["Cache-Control"].startswith("public")
    assert client.get(painting_url)["Cache-Control"].startswith("public")

    photo.hidden = True
    photo.save(update_fields=["hidden"])
    for url in (photo_url, painting_url, reverse("generation:narration_audio", args=[artwork.pk])):
        response = client.get(url)
        assert response.status_code == 200 and response["Cache-Control"].startswith("private"), url

    photo.hidden = False
    photo.save(update_fields=["hidden"])
    artwork.published = False
    artwork.save(update_fields=["published"])
    assert client.get(painting_url)["Cache-Control"].startswith("private")

    album = memorial.albums.get()
    album.family_only = True
    album.save(update_fields=["family_only"])
    assert client.get(photo_url)["Cache-Control"].startswith("private")
