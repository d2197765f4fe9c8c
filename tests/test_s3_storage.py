"""Media on S3-compatible storage: the scale-out setup, against a real S3 API (moto's server).

Settings are read when Django starts, so the site runs in a fresh process (`manage.py shell -c`)
with the S3 variables set, on a database of its own. The test looks into the buckets with boto3,
as an operator would: photos, originals, paintings and recordings land there, are read back
through the permission-checking views (which call `field.open("rb")`), are never public, and
go when the memorial goes.
"""

from __future__ import annotations

import hashlib
import io
import json
import signal
import subprocess
import time

import pytest

from tests.processes import PYTHON, free_port, manage, process_env, separate_database, start, stop

boto3 = pytest.importorskip("boto3")
pytest.importorskip("storages")
pytest.importorskip("moto")

pytestmark = pytest.mark.live

ACCESS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
MEDIA_BUCKET = "memorial-media"
ORIGINALS_BUCKET = "memorial-originals"


@pytest.fixture
def s3(tmp_path):
    """moto's S3 server on a free port of 127.0.0.1, and a boto3 client for it."""
    port = free_port()
    log = tmp_path / "moto.log"
    proc = start([PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], {"PATH": "/usr/bin:/bin"}, log)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, **ACCESS)
    deadline = time.monotonic() + 60
    while True:
        try:
            client.list_buckets()
            break
        except Exception:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"moto did not start:\n{log.read_text()}"
            time.sleep(0.2)
    try:
        yield endpoint, client
    finally:
        stop(proc, signal.SIGTERM, timeout=10)


def photo_bytes(size=(1600, 1200)) -> bytes:
    """A real JPEG with some texture, as a phone would send it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (200, 170, 140))
    draw = ImageDraw.Draw(image)
    for i in range(0, size[0], 40):
        draw.line([(i, 0), (size[0] - i, size[1])], fill=(40 + i % 200, 90, 160), width=6)
    draw.ellipse([size[0] // 3, size[1] // 4, size[0] * 2 // 3, size[1] * 3 // 4], fill=(230, 200, 180))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


SITE_SCRIPT = r"""
import base64, hashlib, json, os
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from generation import services, tasks
from generation.models import Style
from memorial import photos, services as memorial_services

User = get_user_model()


def refused(read):
    try:
        read()
    except ValueError:
        return True
    return False


owner = User.objects.create_user(email="owner@example.com", password="remember-together-1")
stranger = User.objects.create_user(email="stranger@example.com", password="remember-together-2")
memorial = memorial_services.create_memorial(by=owner, full_name="김순자", language="ko", visibility="private")
data = open(os.environ["TEST_PHOTO"], "rb").read()
photo, created = photos.add_photo(
    album=memorial.albums.get(), upload=SimpleUploadedFile("beach.jpg", data, content_type="image/jpeg"),
    by=owner, caption="바닷가에서",
)
style = Style.objects.create(name="Watercolor", slug="watercolor")
job = services.request_artwork(photo=photo, style=style, by=owner)
outcome = tasks.run_stylization(job.pk)
job.refresh_from_db()
artwork = job.artwork
narration = artwork.tribute.narration

def fetch(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return {"status": response.status_code, "type": response.get("Content-Type", ""),
            "length": response.get("Content-Length"), "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}

urls = {
    "thumbnail": reverse("memorial:photo_file", args=[photo.pk, "thumb"]),
    "screen": reverse("memorial:photo_file", args=[photo.pk, "screen"]),
    "original": reverse("memorial:photo_original", args=[photo.pk]),
    "artwork": reverse("generation:artwork_image", args=[artwork.pk]),
    "painting_thumbnail": reverse("generation:artwork_thumbnail", args=[artwork.pk]),
    "narration": reverse("generation:narration_audio", args=[artwork.pk]),
}
member, outsider = Client(), Client()
member.force_login(owner)
outsider.force_login(stranger)
print(json.dumps({
    "backends": {alias: type(storages[alias]).__module__ + "." + type(storages[alias]).__name__
                 for alias in ("default", "originals")},
    "memorial": memorial.pk,
    "outcome": outcome, "status": job.status, "error": job.error, "backend": artwork.backend,
    "artwork_size": [artwork.width, artwork.height], "narration_s": narration.duration_s,
    "names": {"original": photo.original.name, "screen": photo.screen.name, "thumbnail": photo.thumbnail.name,
              "artwork": artwork.image.name, "painting_thumbnail": artwork.thumbnail.name,
              "narration": narration.audio.name},
    "member": {name: fetch(member, url) for name, url in urls.items()},
    "outsider": {name: fetch(outsider, url)["status"] for name, url in urls.items()},
    "screen_url": default_storage.url(photo.screen.name),
    "original_url_refused": refused(lambda: photo.original.url),
}))
"""

DELETE_SCRIPT = r"""
import json, os
from memorial.models import Memorial
from memorial.services import destroy_memorial
from generation.models import Artwork
destroy_memorial(memorial=Memorial.objects.get(pk=int(os.environ["TEST_MEMORIAL"])))
print(json.dumps({"memorials": Memorial.objects.count(), "artworks": Artwork.objects.count()}))
"""


def keys(client, bucket, prefix=""):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def body(client, bucket, key) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def last_json(completed: subprocess.CompletedProcess) -> dict:
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("layout", ["own-bucket", "shared-bucket"])
def test_photos_and_artworks_live_in_private_s3_buckets_and_go_with_the_memorial(tmp_path, s3, layout):
    endpoint, client = s3
    client.create_bucket(Bucket=MEDIA_BUCKET)
    s3_env = {
        "AWS_STORAGE_BUCKET_NAME": MEDIA_BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": ACCESS["aws_secret_access_key"],
        "AWS_S3_REGION_NAME": ACCESS["region_name"],
    }
    if layout == "own-bucket":
        client.create_bucket(Bucket=ORIGINALS_BUCKET)
        s3_env["ORIGINALS_BUCKET_NAME"] = ORIGINALS_BUCKET
        originals_bucket, originals_prefix = ORIGINALS_BUCKET, ""
    else:
        originals_bucket, originals_prefix = MEDIA_BUCKET, "originals/"

    upload = photo_bytes()
    (tmp_path / "photo.jpg").write_bytes(upload)
    local_media = tmp_path / "media"
    with separate_database(tmp_path) as database_url:
        env = process_env(
            database_url,
            redis=False,
            media_root=local_media,
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
            TEST_PHOTO=str(tmp_path / "photo.jpg"),
            **s3_env,
        )
        manage(env, "migrate", "--noinput", timeout=300)
        started = time.monotonic()
        site = last_json(manage(env, "shell", "-c", SITE_SCRIPT, timeout=300))
        print(f"upload + painting + reads on S3: {time.monotonic() - started:.1f}s")

        assert site["backends"] == {
            "default": "storages.backends.s3.S3Storage",
            "originals": "memorial.storage.PrivateS3Storage",
        }
        assert site["original_url_refused"]  # an original never gets an address, not even a signed one
        assert (site["outcome"], site["status"], site["error"]) == ("succeeded", "succeeded", "")
        assert site["backend"] == "filter:painterly" and site["narration_s"] > 0.5
        names = site["names"]

        # Every file is an object in the buckets; nothing was written to the local media folders.
        media_keys = keys(client, MEDIA_BUCKET)
        for name in ("screen", "thumbnail", "artwork", "painting_thumbnail", "narration"):
            assert names[name] in media_keys, (name, media_keys)
        assert names["artwork"].startswith("artworks/") and names["artwork"].endswith(".png")
        assert names["narration"].startswith("narrations/") and names["narration"].endswith(".mp3")
        original_key = originals_prefix + names["original"]
        assert keys(client, originals_bucket, originals_prefix) == [original_key]
        if layout == "own-bucket":
            assert not any(key.startswith("originals/") for key in media_keys), media_keys
        else:
            assert sorted(set(media_keys) - {original_key}) == sorted(
                names[n] for n in ("screen", "thumbnail", "artwork", "painting_thumbnail", "narration")
            )
        assert not local_media.exists() and not (tmp_path / "private").exists()

        # The stored files are what they claim: the original as uploaded, a PNG, an MP3.
        assert (
            hashlib.sha256(body(client, originals_bucket, original_key)).hexdigest()
            == hashlib.sha256(upload).hexdigest()
        )
        png = body(client, MEDIA_BUCKET, names["artwork"])
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        mp3 = body(client, MEDIA_BUCKET, names["narration"])
        assert mp3[:3] == b"ID3" or mp3[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")

        # No object is readable by anyone but the account: private ACL on each.
        for bucket, key in [(originals_bucket, original_key)] + [
            (MEDIA_BUCKET, names[n]) for n in ("screen", "artwork")
        ]:
            grants = client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
            assert all("URI" not in grant["Grantee"] for grant in grants), (key, grants)
        # An address made by the storage is signed and expires; the site itself never hands one out.
        assert "X-Amz-Signature=" in site["screen_url"] and "X-Amz-Expires=" in site["screen_url"]

        # The permission-checking views read the objects back (field.open("rb") on S3Storage).
        served = site["member"]
        expected = {
            "thumbnail": (MEDIA_BUCKET, names["thumbnail"], "image/jpeg"),
            "screen": (MEDIA_BUCKET, names["screen"], "image/jpeg"),
            "original": (originals_bucket, original_key, "application/octet-stream"),
            "artwork": (MEDIA_BUCKET, names["artwork"], "image/png"),
            "painting_thumbnail": (MEDIA_BUCKET, names["painting_thumbnail"], "image/jpeg"),
            "narration": (MEDIA_BUCKET, names["narration"], "audio/mpeg"),
        }
        for name, (bucket, key, content_type) in expected.items():
            stored = body(client, bucket, key)
            assert served[name]["status"] == 200, (name, served[name])
            assert served[name]["type"] == content_type
            assert served[name]["sha256"] == hashlib.sha256(stored).hexdigest(), name
            assert served[name]["length"] == str(len(stored)), name
        # A private memorial's files are a 404 to a signed-in stranger, on S3 as on disk.
        assert set(site["outsider"].values()) == {404}, site["outsider"]

        # Deleting the memorial removes every object once the deletion has committed.
        env["TEST_MEMORIAL"] = str(site["memorial"])
        gone = last_json(manage(env, "shell", "-c", DELETE_SCRIPT))
        assert gone == {"memorials": 0, "artworks": 0}
        assert keys(client, MEDIA_BUCKET) == []
        assert keys(client, originals_bucket) == []
