"""The page and the API give the same answer to the same request: the rules on hidden photos,
unpublished artworks and cancelling a painting job are written once (memorial/permissions.py),
and both ask there.

Each test asks the page and the API the same thing as the same person, and checks both
answers: "sign in" for a signed-out visitor who must sign in first (the sign-in page, or 401).
"""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from rest_framework.test import APIClient

from generation import services as artwork_services
from generation.models import Artwork, JobStatus, Style, StylizationJob
from memorial import page_cache
from memorial import photos as photo_service
from memorial.models import ModerationAction
from tests.conftest import jpeg_upload

pytestmark = pytest.mark.django_db

API = "/api/v1"
OUTSIDERS_OF_THE_FAMILY = ("stranger", "anonymous")
NOT_MODERATORS = ("contributor", "viewer", "stranger", "anonymous")


@pytest.fixture
def style(db):
    return Style.objects.create(name="Watercolor", slug="watercolor")


@pytest.fixture
def memorial(family):
    return family.memorial("public")


@pytest.fixture
def photo(family, memorial):
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(), by=family.owner)
    return photo


@pytest.fixture
def hidden_photo(family, memorial):
    photo, _ = photo_service.add_photo(
        album=memorial.albums.get(), upload=jpeg_upload("hidden.jpg", color=(10, 200, 10)), by=family.owner
    )
    return photo_service.set_hidden(photo=photo, hidden=True, by=family.manager)


def make_artwork(family, photo, style, *, published):
    job = artwork_services.request_artwork(photo=photo, style=style, by=family.owner)
    StylizationJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    return Artwork.objects.create(
        job=job,
        photo=photo,
        memorial=photo.album.memorial,
        style=style,
        image=ContentFile(b"\x89PNG\r\n\x1a\n", name="artwork.png"),
        width=64,
        height=48,
        seed=1,
        backend="filter:painterly",
        published=published,
    )


@pytest.fixture
def unpublished_artwork(family, photo, style):
    return make_artwork(family, photo, style, published=False)


@pytest.fixture
def published_artwork(family, photo, style):
    return make_artwork(family, photo, style, published=True)


@pytest.fixture
def job(family, photo, style):
    """A painting the contributor asked for, still waiting."""
    return artwork_services.request_artwork(photo=photo, style=style, by=family.contributor)


class Both:
    """The same person, on the pages and in the API."""

    def __init__(self, client, family, who):
        cache.clear()  # rate limits: each person starts afresh
        page_cache.forget_everything()
        self.user = family.user(who)
        self.page = client
        self.page.logout()
        self.api = APIClient()
        if self.user is not None:
            self.page.force_login(self.user)
            self.api.force_authenticate(self.user)


def answer(response):
    if response.status_code == 401 or (
        response.status_code == 302 and "/accounts/login/" in response.get("Location", "")
    ):
        return "sign in"
    return response.status_code


def photo_page(photo):
    return reverse("memorial:photo", args=[photo.album.memorial.slug, photo.pk])


# --- Hidden photos: seen by those who may moderate the memorial, a 404 to everyone else -----------


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_a_manager_sees_a_hidden_photo_on_the_page_and_in_the_api(client, family, hidden_photo, who):
    both = Both(client, family, who)
    assert both.page.get(photo_page(hidden_photo)).status_code == 200
    assert both.api.get(f"{API}/photos/{hidden_photo.pk}/").status_code == 200
    assert both.page.get(reverse("memorial:photo_file", args=[hidden_photo.pk, "screen"])).status_code == 200


@pytest.mark.parametrize("who", NOT_MODERATORS)
def test_others_find_no_hidden_photo_on_the_page_or_in_the_api(client, family, hidden_photo, who):
    both = Both(client, family, who)
    assert both.page.get(photo_page(hidden_photo)).status_code == 404
    assert both.api.get(f"{API}/photos/{hidden_photo.pk}/").status_code == 404
    assert both.page.get(reverse("memorial:photo_file", args=[hidden_photo.pk, "screen"])).status_code == 404


@pytest.mark.parametrize("who, shown", [("manager", True), ("contributor", False), ("anonymous", False)])
def test_the_album_shows_a_hidden_photo_to_managers_only_on_the_page_and_in_the_api(
    client, family, photo, hidden_photo, who, shown
):
    both = Both(client, family, who)
    album = photo.album
    page = both.page.get(album.get_absolute_url()).content.decode()
    listed = [p["id"] for p in both.api.get(f"{API}/albums/{album.pk}/photos/").json()["results"]]
    hidden_link = photo_page(hidden_photo)
    assert (hidden_link in page) is shown and (hidden_photo.pk in listed) is shown
    assert photo_page(photo) in page and photo.pk in listed


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_a_manager_asking_for_a_painting_of_a_hidden_photo_is_told_why_on_the_page_and_in_the_api(
    client, family, hidden_photo, style, who
):
    both = Both(client, family, who)
    page = both.page.post(reverse("generation:request", args=[hidden_photo.pk]), {"style": style.slug})
    api = both.api.post(f"{API}/photos/{hidden_photo.pk}/artworks/", {"style": style.slug}, format="json")
    assert page.status_code == api.status_code == 400
    assert "hidden" in page.content.decode() and "hidden" in api.json()["detail"]
    assert not StylizationJob.objects.exists()


@pytest.mark.parametrize("who", NOT_MODERATORS)
def test_others_asking_for_a_painting_of_a_hidden_photo_find_no_photo_on_the_page_or_in_the_api(
    client, family, hidden_photo, style, who
):
    both = Both(client, family, who)
    page = both.page.post(reverse("generation:request", args=[hidden_photo.pk]), {"style": style.slug})
    api = both.api.post(f"{API}/photos/{hidden_photo.pk}/artworks/", {"style": style.slug}, format="json")
    assert page.status_code == api.status_code == 404
    assert not StylizationJob.objects.exists()


# --- Unpublished artworks: the family's until a manager publishes them ----------------------------


@pytest.mark.parametrize("who", ["owner", "manager", "contributor", "viewer"])
def test_the_family_sees_an_unpublished_artwork_on_the_page_and_in_the_api(client, family, unpublished_artwork, who):
    both = Both(client, family, who)
    assert both.page.get(unpublished_artwork.get_absolute_url()).status_code == 200
    assert both.api.get(f"{API}/artworks/{unpublished_artwork.pk}/").status_code == 200
    assert both.page.get(reverse("generation:artwork_image", args=[unpublished_artwork.pk])).status_code == 200


@pytest.mark.parametrize("who", OUTSIDERS_OF_THE_FAMILY)
def test_outsiders_find_no_unpublished_artwork_on_the_page_or_in_the_api(client, family, unpublished_artwork, who):
    both = Both(client, family, who)
    assert both.page.get(unpublished_artwork.get_absolute_url()).status_code == 404
    assert both.api.get(f"{API}/artworks/{unpublished_artwork.pk}/").status_code == 404
    assert both.page.get(reverse("generation:artwork_image", args=[unpublished_artwork.pk])).status_code == 404
    # Nor can they publish it: a 404 first, not "sign in" or 403.
    publish = both.page.post(reverse("generation:artwork_publish", args=[unpublished_artwork.pk]))
    api = both.api.patch(f"{API}/artworks/{unpublished_artwork.pk}/", {"published": True}, format="json")
    assert publish.status_code == api.status_code == 404


@pytest.mark.parametrize("who, shown", [("viewer", True), ("stranger", False), ("anonymous", False)])
def test_the_gallery_shows_an_unpublished_artwork_to_the_family_only_on_the_page_and_in_the_api(
    client, family, memorial, unpublished_artwork, published_artwork, who, shown
):
    both = Both(client, family, who)
    page = both.page.get(memorial.get_absolute_url()).content.decode()
    listed = [a["id"] for a in both.api.get(f"{API}/memorials/{memorial.slug}/artworks/").json()["results"]]
    assert (unpublished_artwork.get_absolute_url() in page) is shown and (unpublished_artwork.pk in listed) is shown
    assert published_artwork.get_absolute_url() in page and published_artwork.pk in listed


@pytest.mark.parametrize("who", ["viewer", "stranger", "anonymous"])
def test_everyone_who_sees_the_memorial_sees_a_published_artwork_on_the_page_and_in_the_api(
    client, family, published_artwork, who
):
    both = Both(client, family, who)
    assert both.page.get(published_artwork.get_absolute_url()).status_code == 200
    assert both.api.get(f"{API}/artworks/{published_artwork.pk}/").status_code == 200


@pytest.mark.parametrize(
    "who, expected", [("manager", 200), ("contributor", 403), ("stranger", 403), ("anonymous", "sign in")]
)
def test_only_managers_take_an_artwork_off_the_page_on_the_page_and_in_the_api(
    client, family, published_artwork, who, expected
):
    both = Both(client, family, who)
    page = answer(both.page.post(reverse("generation:artwork_unpublish", args=[published_artwork.pk])))
    api = answer(both.api.patch(f"{API}/artworks/{published_artwork.pk}/", {"published": False}, format="json"))
    assert (page, api) == ((302, 200) if expected == 200 else (expected, expected))


# --- Cancelling a painting job: the one who asked, or a manager -----------------------------------


def test_the_one_who_asked_cancels_a_job_on_the_page_and_in_the_api(client, family, job, photo, style):
    both = Both(client, family, "contributor")
    assert 'id="job-cancel"' in both.page.get(job.get_absolute_url()).content.decode()
    assert both.page.post(reverse("generation:job_cancel", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED

    another = artwork_services.request_artwork(photo=photo, style=style, by=family.contributor)
    assert both.api.post(f"{API}/jobs/{another.pk}/cancel/").json()["status"] == JobStatus.CANCELLED
    assert not ModerationAction.objects.exists()  # cancelling one's own painting is not moderation


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_a_manager_cancels_someone_else_s_job_on_the_page_and_in_the_api(client, family, job, photo, style, who):
    both = Both(client, family, who)
    assert 'id="job-cancel"' in both.page.get(job.get_absolute_url()).content.decode()
    assert both.page.post(reverse("generation:job_cancel", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED

    another = artwork_services.request_artwork(photo=photo, style=style, by=family.contributor)
    assert both.api.post(f"{API}/jobs/{another.pk}/cancel/").status_code == 200
    # Both cancellations are the same moderation, whichever way they came.
    recorded = ModerationAction.objects.filter(action="cancel_job", moderator=both.user)
    assert sorted(recorded.values_list("target_id", flat=True)) == sorted([job.pk, another.pk])


@pytest.mark.parametrize("ended", [JobStatus.SUCCEEDED, JobStatus.FAILED])
def test_a_finished_job_is_not_cancelled_on_the_page_or_in_the_api_and_both_say_why(client, family, job, ended):
    StylizationJob.objects.filter(pk=job.pk).update(status=ended)
    both = Both(client, family, "contributor")
    page = both.page.post(reverse("generation:job_cancel", args=[job.pk]), follow=True)
    api = both.api.post(f"{API}/jobs/{job.pk}/cancel/")
    reason = "already finished" if ended == JobStatus.SUCCEEDED else "already failed"
    assert reason in page.content.decode() and "was cancelled" not in page.content.decode()
    assert api.status_code == 409 and reason in api.json()["detail"]
    job.refresh_from_db()
    assert job.status == ended and not job.cancel_requested


def test_a_viewer_follows_a_job_but_may_not_cancel_it_on_the_page_or_in_the_api(client, family, job):
    both = Both(client, family, "viewer")
    page = both.page.get(job.get_absolute_url())
    assert page.status_code == 200 and 'id="job-cancel"' not in page.content.decode()
    assert both.api.get(f"{API}/jobs/{job.pk}/").status_code == 200
    assert both.page.post(reverse("generation:job_cancel", args=[job.pk])).status_code == 403
    assert both.api.post(f"{API}/jobs/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


@pytest.mark.parametrize("who", OUTSIDERS_OF_THE_FAMILY)
def test_outsiders_find_no_job_to_follow_or_cancel_on_the_page_or_in_the_api(client, family, job, who):
    both = Both(client, family, who)
    assert both.page.get(job.get_absolute_url()).status_code == 404
    assert both.page.get(reverse("generation:job_status", args=[job.pk])).status_code == 404
    assert both.api.get(f"{API}/jobs/{job.pk}/").status_code == 404
    assert both.page.post(reverse("generation:job_cancel", args=[job.pk])).status_code == 404
    assert both.api.post(f"{API}/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


# --- A private memorial does not exist for a signed-out visitor, on the pages or in the API -------


def test_a_signed_out_visitor_finds_nothing_of_a_private_memorial_on_the_page_or_in_the_api(client, family):
    memorial = family.memorial("private")
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(), by=family.owner)
    both = Both(client, family, "anonymous")
    slug = memorial.slug
    pages = [
        both.page.get(memorial.get_absolute_url()),
        both.page.get(reverse("memorial:edit", args=[slug])),
        both.page.post(reverse("memorial:delete", args=[slug]), {"confirm_name": memorial.full_name}),
        both.page.get(reverse("memorial:members", args=[slug])),
        both.page.get(reverse("memorial:export", args=[slug])),
        both.page.get(photo_page(photo)),
        both.page.post(reverse("memorial:photo_hide", args=[slug, photo.pk])),
        both.page.get(reverse("memorial:photo_original", args=[photo.pk])),
        both.page.get(reverse("generation:request", args=[photo.pk])),
    ]
    apis = [
        both.api.get(f"{API}/memorials/{slug}/"),
        both.api.patch(f"{API}/memorials/{slug}/", {"place": "Seoul"}, format="json"),
        both.api.delete(f"{API}/memorials/{slug}/"),
        both.api.get(f"{API}/photos/{photo.pk}/"),
        both.api.patch(f"{API}/photos/{photo.pk}/", {"caption": "x"}, format="json"),
        both.api.post(f"{API}/photos/{photo.pk}/artworks/", {"style": "watercolor"}, format="json"),
    ]
    assert [r.status_code for r in pages] == [404] * len(pages)
    assert [r.status_code for r in apis] == [404] * len(apis)


def test_a_signed_out_visitor_of_a_public_memorial_is_asked_to_sign_in_on_the_page_and_in_the_api(
    client, family, memorial, photo
):
    both = Both(client, family, "anonymous")
    page = both.page.get(reverse("memorial:edit", args=[memorial.slug]))
    api = both.api.patch(f"{API}/memorials/{memorial.slug}/", {"place": "Seoul"}, format="json")
    assert answer(page) == answer(api) == "sign in"
    page = both.page.post(reverse("memorial:photo_caption", args=[memorial.slug, photo.pk]), {"caption": "x"})
    api = both.api.patch(f"{API}/photos/{photo.pk}/", {"caption": "x"}, format="json")
    assert answer(page) == answer(api) == "sign in"
