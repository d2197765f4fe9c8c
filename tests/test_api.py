"""The REST API under /api/v1/: what a family's app, a guest's phone or a script sees."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from memorial import condolences
from memorial.models import Album, Condolence, Membership, Photo, Role, Visibility
from memorial.services import create_memorial
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def people(family):
    """The owner of the memorial, one member of each other role, and a stranger (tests/conftest.py)."""
    return {who: family.user(who) for who in ("owner", "manager", "contributor", "viewer", "stranger")}


@pytest.fixture
def make_memorial(family):
    def make(visibility=Visibility.PUBLIC, full_name="김민준", **fields):
        return family.memorial(visibility, full_name=full_name, **fields)

    return make


@pytest.fixture
def memorial(make_memorial):
    return make_memorial(Visibility.PUBLIC)


def as_(api, people, who):
    if who != "anonymous":
        api.force_login(people[who])
    return api


def jpeg(name="photo.jpg", color=(180, 120, 90), size=(48, 32)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def files_under(*folders):
    return sorted(str(p) for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file())


def pending_condolence(memorial):
    return condolences.leave_condolence(
        memorial=memorial, message="Watch the funeral live at www.memorial-stream.live", guest_name="A stranger"
    )


# --- The permission matrix: API actions x roles x visibility ------------------------------------

ACTIONS = {
    "view": (None, 200, lambda api, m: api.get(f"{API}/memorials/{m.slug}/")),
    "edit": (
        Role.MANAGER,
        200,
        lambda api, m: api.patch(f"{API}/memorials/{m.slug}/", {"place": "Busan"}, format="json"),
    ),
    "delete": (Role.OWNER, 204, lambda api, m: api.delete(f"{API}/memorials/{m.slug}/")),
    "create_album": (
        Role.CONTRIBUTOR,
        201,
        lambda api, m: api.post(f"{API}/memorials/{m.slug}/albums/", {"title": "Summers in Jeju"}, format="json"),
    ),
    "upload": (
        Role.CONTRIBUTOR,
        201,
        lambda api, m: api.post(
            f"{API}/memorials/{m.slug}/albums/{m.albums.get().pk}/photos/", {"files": [jpeg()]}, format="multipart"
        ),
    ),
    "moderate": (
        Role.MANAGER,
        200,
        lambda api, m: api.post(
            f"{API}/memorials/{m.slug}/condolences/{pending_condolence(m).pk}/approve/", {}, format="json"
        ),
    ),
}
RANK = {Role.VIEWER: 1, Role.CONTRIBUTOR: 2, Role.MANAGER: 3, Role.OWNER: 4}
WHO = ["owner", "manager", "contributor", "viewer", "stranger", "anonymous"]


def expected_status(action, who, visibility):
    needed, success, _ = ACTIONS[action]
    member = who in RANK
    if not member and visibility == Visibility.PRIVATE:
        return 404  # a private memorial does not exist for outsiders, whatever they try
    if needed is None or (member and RANK[who] >= RANK[needed]):
        return success
    return 401 if who == "anonymous" else 403


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE])
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_role_may_do_what_its_role_allows_over_the_api(api, people, make_memorial, action, who, visibility):
    memorial = make_memorial(visibility)
    response = ACTIONS[action][2](as_(api, people, who), memorial)
    assert response.status_code == expected_status(action, who, visibility), response.content


def test_a_stranger_gets_404_for_a_private_memorial_over_the_api(api, people, make_memorial):
    memorial = make_memorial(Visibility.PRIVATE)
    album = memorial.albums.get()
    as_(api, people, "owner").post(f"{API}/albums/{album.pk}/photos/", {"file": jpeg()}, format="multipart")
    photo = Photo.objects.get()
    condolence = condolences.leave_condolence(memorial=memorial, message="Rest well.", author=people["viewer"])
    api.logout()
    api.force_login(people["stranger"])
    for url in [
        f"/memorials/{memorial.slug}/",
        f"/memorials/{memorial.slug}/albums/",
        f"/memorials/{memorial.slug}/condolences/",
        f"/memorials/{memorial.slug}/offerings/",
        f"/albums/{album.pk}/",
        f"/albums/{album.pk}/photos/",
        f"/photos/{photo.pk}/",
    ]:
        assert api.get(API + url).status_code == 404, url
    assert api.post(f"{API}/condolences/{condolence.pk}/report/", {}, format="json").status_code == 404
    assert api.post(f"{API}/memorials/{memorial.slug}/offerings/", {"kind": "candle"}, format="json").status_code == 404


# --- Memorials ---------------------------------------------------------------------------------


def test_the_list_shows_public_memorials_and_your_own_but_not_others_unlisted_or_private(api, people):
    owner, stranger = people["owner"], people["stranger"]
    public = create_memorial(by=owner, full_name="Public Kim", visibility=Visibility.PUBLIC)
    unlisted = create_memorial(by=owner, full_name="Unlisted Lee", visibility=Visibility.UNLISTED)
    private = create_memorial(by=owner, full_name="Private Park", visibility=Visibility.PRIVATE)
    mine = create_memorial(by=stranger, full_name="My Grandmother", visibility=Visibility.PRIVATE)

    api.force_login(stranger)
    listed = {item["slug"]: item for item in api.get(f"{API}/memorials/").json()["results"]}
    assert set(listed) == {public.slug, mine.slug}
    assert listed[mine.slug]["your_role"] == "owner" and listed[public.slug]["your_role"] is None

    api.logout()
    assert [item["slug"] for item in api.get(f"{API}/memorials/").json()["results"]] == [public.slug]

    api.force_login(owner)
    assert {item["slug"] for item in api.get(f"{API}/memorials/").json()["results"]} == {
        public.slug,
        unlisted.slug,
        private.slug,
    }


def test_creating_a_memorial_makes_you_its_owner(api, people):
    api.force_login(people["stranger"])
    response = api.post(
        f"{API}/memorials/",
        {"full_name": "Grace Lee", "life_story": "She *loved* the sea.", "visibility": "unlisted"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["your_role"] == "owner" and body["visibility"] == "unlisted"
    assert body["url"].startswith("http://testserver/m/grace-lee-")
    assert body["offerings"] == {"candle": 0, "flower": 0, "incense": 0}
    membership = Membership.objects.get(memorial__slug=body["slug"])
    assert membership.user == people["stranger"] and membership.role == Role.OWNER
    assert Album.objects.filter(memorial__slug=body["slug"]).count() == 1


def test_a_guest_must_sign_in_to_create_a_memorial(api, db):
    response = api.post(f"{API}/memorials/", {"full_name": "Grace Lee"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_memorial_created_by_someone_reading_in_korean_is_korean(api, db):
    api.force_login(make_user("granddaughter@example.com", "손녀", preferred_language="ko"))
    response = api.post(f"{API}/memorials/", {"full_name": "김민준"}, format="json")
    assert response.status_code == 201 and response.json()["language"] == "ko"
    assert Album.objects.get(memorial__slug=response.json()["slug"]).title == "사진"


def test_a_memorial_with_a_korean_name_opens_by_its_hangul_slug(api, people):
    memorial = create_memorial(
        by=people["owner"], full_name="김민준", name_other_script="Kim Minjun", visibility="public"
    )
    assert memorial.slug.startswith("김민준-")
    response = api.get(f"{API}/memorials/{memorial.slug}/")
    assert response.status_code == 200
    assert response.json()["full_name"] == "김민준" and response.json()["name_other_script"] == "Kim Minjun"


def test_dates_known_only_to_the_year_or_month_come_back_as_they_were_given(api, people):
    api.force_login(people["owner"])
    response = api.post(f"{API}/memorials/", {"full_name": "박서연", "born": "1942", "died": "2023-03"}, format="json")
    assert response.status_code == 201, response.content
    slug = response.json()["slug"]
    assert (response.json()["born"], response.json()["died"]) == ("1942", "2023-03")

    response = api.patch(f"{API}/memorials/{slug}/", {"born": "1942-03-05"}, format="json")
    assert response.status_code == 200
    assert (response.json()["born"], response.json()["died"]) == ("1942-03-05", "2023-03")
    assert api.get(f"{API}/memorials/{slug}/").json()["born"] == "1942-03-05"

    response = api.patch(f"{API}/memorials/{slug}/", {"born": "March 1942"}, format="json")
    assert response.status_code == 400 and "born" in response.json()


def test_a_token_signs_a_script_in(api, people, make_memorial):
    memorial = make_memorial(Visibility.PRIVATE)
    token = Token.objects.create(user=people["viewer"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get(f"{API}/memorials/{memorial.slug}/")
    assert response.status_code == 200 and response.json()["your_role"] == "viewer"
    assert api.post(f"{API}/memorials/", {"full_name": "Grace Lee"}, format="json").status_code == 201

    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(f"{API}/memorials/{memorial.slug}/").status_code == 401


# --- Albums and photos -------------------------------------------------------------------------


def test_a_contributor_uploads_a_photo_and_a_second_copy_is_recognised(api, people, memorial, settings):
    album = memorial.albums.get()
    api.force_login(people["contributor"])
    response = api.post(f"{API}/albums/{album.pk}/photos/", {"files": [jpeg("jeju.jpg")]}, format="multipart")
    assert response.status_code == 201, response.content
    [outcome] = response.json()["files"]
    assert outcome["outcome"] == "stored" and outcome["name"] == "jeju.jpg"
    photo = Photo.objects.get()
    assert (
        outcome["photo"]["id"] == photo.pk
        and outcome["photo"]["uploaded_by"] == people["contributor"].display_name == "Contributor"
    )
    assert outcome["photo"]["thumbnail_url"].endswith(f"/photos/{photo.pk}/thumb.jpg")
    assert (photo.width, photo.height) == (48, 32)
    stored = files_under(settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
    assert len(stored) == 3  # original, screen size, thumbnail

    response = api.post(f"{API}/albums/{album.pk}/photos/", {"file": jpeg("jeju-again.jpg")}, format="multipart")
    assert response.status_code == 201
    assert [o["outcome"] for o in response.json()["files"]] == ["duplicate"]
    assert Photo.objects.count() == 1
    assert files_under(settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT) == stored

    listed = api.get(f"{API}/albums/{album.pk}/photos/").json()
    assert [p["id"] for p in listed["results"]] == [photo.pk]


def test_a_text_file_named_jpg_is_refused_and_nothing_is_stored(api, people, memorial, settings):
    album = memorial.albums.get()
    api.force_login(people["contributor"])
    fake = SimpleUploadedFile("holiday.jpg", b"This is not a photo at all.\n" * 20, content_type="image/jpeg")
    response = api.post(f"{API}/albums/{album.pk}/photos/", {"files": [fake]}, format="multipart")
    assert response.status_code == 400
    [outcome] = response.json()["files"]
    assert outcome["outcome"] == "refused" and outcome["error"] and outcome["photo"] is None
    assert "holiday.jpg" in response.json()["detail"]
    assert Photo.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT) == []


def test_one_refused_file_does_not_stop_the_others(api, people, memorial):
    album = memorial.albums.get()
    api.force_login(people["contributor"])
    fake = SimpleUploadedFile("notes.jpg", b"plain text", content_type="image/jpeg")
    response = api.post(f"{API}/albums/{album.pk}/photos/", {"files": [jpeg(), fake]}, format="multipart")
    assert response.status_code == 201
    assert [o["outcome"] for o in response.json()["files"]] == ["stored", "refused"]
    assert Photo.objects.count() == 1


def test_an_upload_without_files_is_refused(api, people, memorial):
    api.force_login(people["contributor"])
    response = api.post(f"{API}/albums/{memorial.albums.get().pk}/photos/", {}, format="multipart")
    assert response.status_code == 400 and response.json()["detail"]


def test_a_hidden_photo_is_shown_to_managers_only(api, people, memorial):
    album = memorial.albums.get()
    as_(api, people, "contributor").post(f"{API}/albums/{album.pk}/photos/", {"file": jpeg()}, format="multipart")
    photo = Photo.objects.get()
    Photo.objects.filter(pk=photo.pk).update(hidden=True)

    for who, listed, status in [("viewer", [], 404), ("stranger", [], 404), ("manager", [photo.pk], 200)]:
        api.logout()
        as_(api, people, who)
        assert [p["id"] for p in api.get(f"{API}/albums/{album.pk}/photos/").json()["results"]] == listed, who
        assert api.get(f"{API}/photos/{photo.pk}/").status_code == status, who


def test_a_manager_changes_a_caption_and_deletes_a_photo(api, people, memorial):
    album = memorial.albums.get()
    as_(api, people, "manager").post(f"{API}/albums/{album.pk}/photos/", {"file": jpeg()}, format="multipart")
    photo = Photo.objects.get()
    response = api.patch(f"{API}/photos/{photo.pk}/", {"caption": "  Jeju, 1975  ", "width": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["caption"] == "Jeju, 1975" and response.json()["width"] == 48
    assert api.delete(f"{API}/photos/{photo.pk}/").status_code == 204
    assert Photo.objects.get().deleted_at is not None  # in the bin (tests/test_bin.py)
    assert api.get(f"{API}/photos/{photo.pk}/").status_code == 404


def test_albums_are_listed_created_renamed_and_deleted(api, people, memorial):
    api.force_login(people["manager"])
    created = api.post(f"{API}/memorials/{memorial.slug}/albums/", {"title": " Wedding "}, format="json").json()
    assert created["title"] == "Wedding" and created["memorial"] == memorial.slug
    titles = [a["title"] for a in api.get(f"{API}/memorials/{memorial.slug}/albums/").json()["results"]]
    assert titles == ["Photos", "Wedding"]
    response = api.patch(f"{API}/albums/{created['id']}/", {"title": "Wedding, 1968"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Wedding, 1968"
    assert api.delete(f"{API}/albums/{created['id']}/").status_code == 204
    assert memorial.albums.filter(deleted_at__isnull=True).count() == 1  # the other is in the bin
    assert api.get(f"{API}/albums/{created['id']}/").status_code == 404


# --- Condolences -------------------------------------------------------------------------------


def condole(api, memorial, **data):
    return api.post(f"{API}/memorials/{memorial.slug}/condolences/", data, format="json")


def test_a_guest_leaves_a_condolence_on_a_public_memorial(api, memorial):
    response = condole(api, memorial, guest_name="이웃 할머니", message="편히 쉬세요.")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "published" and response.json()["name"] == "이웃 할머니"
    listed = api.get(f"{API}/memorials/{memorial.slug}/condolences/").json()["results"]
    assert [c["message"] for c in listed] == ["편히 쉬세요."]


def test_a_guest_cannot_condole_on_a_private_memorial(api, make_memorial):
    memorial = make_memorial(Visibility.PRIVATE)
    assert condole(api, memorial, guest_name="Someone", message="Sorry for your loss.").status_code == 404
    assert not Condolence.objects.exists()


def test_a_guest_must_give_a_name(api, memorial):
    response = condole(api, memorial, message="Sorry for your loss.")
    assert response.status_code == 400 and "name" in response.json()["detail"]


def test_a_robot_filling_the_hidden_field_posts_nothing(api, memorial):
    response = condole(api, memorial, guest_name="Bot", message="Nice page", website="http://spam.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Your message could not be posted."}
    assert not Condolence.objects.exists()


def test_a_guest_posting_too_often_is_asked_to_wait(api, memorial, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "condolence": {"person": 20, "visitor": 2, "network": 100}}
    for n in range(2):
        assert condole(api, memorial, guest_name="Guest", message=f"Message {n}").status_code == 201
    response = condole(api, memorial, guest_name="Guest", message="One more")
    assert response.status_code == 429
    assert "several messages in a short time" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Condolence.objects.count() == 2


def test_a_message_that_looks_like_a_scam_waits_for_the_family(api, people, memorial):
    response = condole(
        api, memorial, guest_name="Funeral Live", message="Watch the funeral live at www.stream-now.live"
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert api.get(f"{API}/memorials/{memorial.slug}/condolences/").json()["results"] == []

    api.force_login(people["manager"])
    [held] = api.get(f"{API}/memorials/{memorial.slug}/condolences/").json()["results"]
    assert (
        held["status"] == "pending"
        and held["held_reason"] == "link"
        and held["held_reason_display"] == "contains a link"
    )
    assert (
        api.post(f"{API}/condolences/{held['id']}/reject/", {"note": "scam"}, format="json").json()["status"]
        == "rejected"
    )


def test_a_manager_approves_a_held_message(api, people, memorial):
    condolence = pending_condolence(memorial)
    api.force_login(people["owner"])
    response = api.post(f"{API}/condolences/{condolence.pk}/approve/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "published"
    api.logout()
    assert len(api.get(f"{API}/memorials/{memorial.slug}/condolences/").json()["results"]) == 1


def test_anyone_who_can_see_a_message_can_report_it_once(api, people, memorial):
    condolence = condolences.leave_condolence(memorial=memorial, message="Rest well.", author=people["viewer"])
    url = f"{API}/condolences/{condolence.pk}/report/"
    assert api.post(url, {"reason": "rude"}, format="json").json() == {"counted": True}
    response = api.post(url, {"reason": "rude"}, format="json")
    assert response.status_code == 200 and response.json() == {"counted": False}
    condolence.refresh_from_db()
    assert condolence.report_count == 1


# --- Offerings ---------------------------------------------------------------------------------


def test_a_candle_is_counted_once_a_day_per_visitor(api, people, memorial):
    url = f"{API}/memorials/{memorial.slug}/offerings/"
    response = api.post(url, {"kind": "candle"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"kind": "candle", "counted": True, "counts": {"candle": 1, "flower": 0, "incense": 0}}
    response = api.post(url, {"kind": "candle"}, format="json")
    assert response.status_code == 200 and response.json()["counted"] is False
    assert as_(api, people, "viewer").post(url, {"kind": "flower"}, format="json").status_code == 201
    assert api.get(url).json() == {"candle": 1, "flower": 1, "incense": 0}
    assert api.get(f"{API}/memorials/{memorial.slug}/").json()["offerings"] == {"candle": 1, "flower": 1, "incense": 0}
    assert api.post(url, {"kind": "lantern"}, format="json").status_code == 400


# --- The schema --------------------------------------------------------------------------------


def test_the_openapi_schema_validates_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", os.devnull],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "Error" not in result.stderr, result.stderr


def test_the_schema_describes_the_upload_as_multipart_files(api, db):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    upload = schema["paths"]["/api/v1/albums/{id}/photos/"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["files"]["items"]["format"] == "binary"
    assert set(upload["responses"]) >= {"201", "400", "403", "404"}
    assert "/api/v1/memorials/{slug}/condolences/" in schema["paths"]
