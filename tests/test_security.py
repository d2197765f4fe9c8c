"""What attackers try, and what browsers are told: headers, rate limits, file types."""

import re
import subprocess

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from memorial import photos as photo_service
from memorial.models import Offering, Photo
from tests.conftest import PASSWORD, jpeg_upload, paint
from tests.processes import PYTHON, ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(family, style):
    memorial = family.memorial("public")
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(), by=family.owner)
    return memorial, photo, paint(photo, style, family.owner).job


def pages(memorial, photo, job):
    return [
        "/",
        memorial.get_absolute_url(),
        photo.album.get_absolute_url(),
        photo.get_absolute_url(),
        reverse("memorial:members", args=[memorial.slug]),
        reverse("memorial:edit", args=[memorial.slug]),
        reverse("generation:request", args=[photo.pk]),
        job.get_absolute_url(),
        job.artwork.get_absolute_url(),
        reverse("memorial:dashboard"),
        reverse("accounts:profile"),
    ]


def test_every_page_carries_a_strict_content_security_policy(client, family, world):
    anonymous = {reverse("account_login"), reverse("account_signup"), "/"}
    for url in [*anonymous, *pages(*world)]:
        if url not in anonymous:
            client.force_login(family.owner)
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        assert "frame-ancestors 'none'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        html = response.content.decode()
        # Nothing the policy would block: no inline scripts, event handlers or style attributes.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=\"", html), url
        assert not re.search(r"\sstyle=\"", html), url


def test_uploaded_files_are_never_served_as_something_a_browser_would_run(client, family, world):
    memorial, photo, job = world
    client.force_login(family.owner)
    for size in ("thumb", "screen"):
        response = client.get(reverse("memorial:photo_file", args=[photo.pk, size]))
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    original = client.get(reverse("memorial:photo_original", args=[photo.pk]))
    assert original["Content-Type"] == "application/octet-stream"
    assert original["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("generation:artwork_image", args=[job.artwork.pk]))["Content-Type"] == "image/png"
    assert client.get(reverse("generation:narration_audio", args=[job.artwork.pk]))["Content-Type"] == "audio/mpeg"


def test_an_svg_with_a_script_never_reaches_storage(client, family, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    memorial, photo, _ = world
    client.force_login(family.owner)
    svg = SimpleUploadedFile(
        "x.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', content_type="image/jpeg"
    )
    response = client.post(reverse("memorial:upload", args=[memorial.slug, photo.album.pk]), {"files": [svg]})
    assert response.status_code == 400 and Photo.objects.count() == 1


def limit(settings, scope, person, visitor, **more):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, scope: {"person": person, "visitor": visitor, **more}}


def test_uploads_are_rate_limited_per_person(client, family, world, settings):
    memorial, photo, _ = world
    limit(settings, "upload", 2, 100)
    client.force_login(family.contributor)
    url = reverse("memorial:upload", args=[memorial.slug, photo.album.pk])
    codes = [
        client.post(url, {"files": [jpeg_upload(f"{n}.jpg", color=(n * 80, 50, 90))]}).status_code for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Photo.objects.count() == 3  # the refused upload stored nothing


def test_artwork_requests_are_rate_limited_on_pages_and_the_api(client, family, world, settings):
    memorial, photo, _ = world
    limit(settings, "artwork", 1, 100)
    client.force_login(family.contributor)
    url = reverse("generation:request", args=[photo.pk])
    assert client.post(url, {"style": "watercolor"}).status_code == 302
    response = client.post(url, {"style": "watercolor"})
    assert response.status_code == 429 and "many paintings" in response.content.decode()
    api = APIClient()
    api.force_authenticate(family.contributor)
    response = api.post(f"/api/v1/photos/{photo.pk}/artworks/", {"style": "watercolor"}, format="json")
    assert response.status_code == 429 and "many paintings" in response.json()["detail"] and response["Retry-After"]


def test_offerings_are_rate_limited_per_visitor(client, family, world, settings):
    memorial, _, _ = world
    limit(settings, "offering", 100, 2)
    url = reverse("memorial:offer", args=[memorial.slug])
    codes = [client.post(url, {"kind": kind}).status_code for kind in ("candle", "flower", "candle")]
    assert codes == [302, 302, 429]
    assert Offering.objects.count() == 2


def test_repeated_failed_sign_ins_are_refused_for_a_while(client, family):
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": "owner@example.com", "password": "wrong-password-x"})
    response = client.post(url, {"login": "owner@example.com", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password waits


def test_sign_in_and_sign_up_floods_from_one_address_get_429(client, family, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip", "signup": "2/h/ip"}
    codes = [
        client.post(reverse("account_login"), {"login": f"x{n}@example.com", "password": "x"}).status_code
        for n in range(4)
    ]
    assert codes[-1] == 429 and "too many attempts" in client.post(reverse("account_login"), {}).content.decode()
    data = {"email": "", "display_name": "x", "password1": "x", "password2": "x"}
    codes = [client.post(reverse("account_signup"), data).status_code for _ in range(3)]
    assert codes[-1] == 429


def test_cookies_are_secure_in_production():
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "k3J9-production-like-secret-with-enough-entropy-8f2Lq0Zp7wX1vB4nM6cR",
        "ALLOWED_HOSTS": "x",
        "SITE_URL": "https://memorial.example.org",
        "PATH": "/usr/bin:/bin",
    }
    script = "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "True True True True"
