"""Artworks over the API (/api/v1/): ask for a painting, follow its job, publish it, listen to it.

No diffusion weights are configured here, so the painterly filter paints (and the API says
so with `is_filter`); espeak-ng speaks. The worker's function is called directly.
"""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django_q.models import OrmQ
from rest_framework.test import APIClient

from generation import painting_settings, services, tasks
from generation.models import (
    Artwork,
    JobStatus,
    Narration,
    Style,
    StylizationJob,
    TributeText,
)
from memorial import photos as photo_service
from memorial.models import ModerationAction, Visibility
from tests.conftest import add_photo as make_photo

API = "/api/v1"
WHO = ["owner", "manager", "contributor", "viewer", "stranger", "anonymous"]
RANK = {"viewer": 1, "contributor": 2, "manager": 3, "owner": 4}


@pytest.fixture
def api():
    return APIClient()


def as_(api, family, who):
    api.logout()
    user = family.user(who)
    if user is not None:
        api.force_login(user)
    return api


def ask(api, photo, style="watercolor"):
    """At the memorial's address, where a guest of an unlisted memorial reaches it too."""
    slug = photo.album.memorial.slug
    return api.post(f"{API}/memorials/{slug}/photos/{photo.pk}/artworks/", {"style": style}, format="json")


# --- Asking for a painting and following its job -------------------------------------------------


def test_a_member_asks_for_a_painting_and_follows_its_job_to_the_end(
    api, family, photo, style, django_capture_on_commit_callbacks
):
    as_(api, family, "contributor")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = ask(api, photo)
    assert response.status_code == 202, response.content
    job = StylizationJob.objects.get()
    body = response.json()
    assert job.status == JobStatus.QUEUED and job.requested_by == family.contributor and job.style == style
    assert body["id"] == job.pk and body["status"] == "queued" and body["progress"] == 0 and body["stage"] == "waiting"
    assert body["url"] == f"http://testserver{API}/jobs/{job.pk}/" == response["Location"]
    assert body["page_url"] == "http://testserver" + job.get_absolute_url()
    assert body["artwork"] is None and body["artwork_url"] is None and body["finished"] is False
    assert len(callbacks) == 1  # queued once, after the commit
    if "orm" in django_settings.Q_CLUSTER:
        assert OrmQ.objects.count() == 1  # the message the worker picks up

    waiting = api.get(response["Location"])
    assert waiting.status_code == 200 and waiting.json()["status"] == "queued"
    assert "no-cache" in waiting["Cache-Control"]  # polled for progress

    assert tasks.run_stylization(job.pk) == "succeeded"
    done = api.get(response["Location"]).json()
    artwork = Artwork.objects.get()
    assert (done["status"], done["stage"], done["progress"], done["finished"]) == ("succeeded", "done", 100, True)
    assert done["artwork"] == artwork.pk and done["error"] == ""
    assert done["artwork_url"] == "http://testserver" + reverse(
        "generation_api:memorial-artwork-detail", args=[photo.album.memorial.slug, artwork.pk]
    )
    assert done["artwork_page_url"] == "http://testserver" + artwork.get_absolute_url()

    shown = api.get(done["artwork_url"]).json()
    assert shown["is_filter"] is True and shown["backend"] == "filter:painterly"  # never silently
    assert shown["style"] == "Watercolor" and shown["photo"] == photo.pk and shown["published"] is False
    assert shown["tribute"]["text"] == artwork.tribute.text and shown["tribute"]["writer"] == artwork.tribute.writer
    assert shown["narration"]["engine"] == "espeak-ng" and shown["narration"]["duration_s"] > 0.5


def test_the_artworks_list_gives_both_addresses_and_they_serve_the_files(api, family, artwork, memorial):
    as_(api, family, "viewer")
    response = api.get(f"{API}/memorials/{memorial.slug}/artworks/")
    assert response.status_code == 200
    [item] = response.json()["results"]
    narration = artwork.tribute.narration
    assert item["id"] == artwork.pk and item["page_url"] == "http://testserver" + artwork.get_absolute_url()
    assert item["image_url"] == "http://testserver" + reverse(
        "generation:memorial_artwork_image", args=[memorial.slug, artwork.pk]
    )
    assert (item["width"], item["height"]) == (artwork.width, artwork.height)
    assert item["is_filter"] is True and item["style"] == "Watercolor" and item["photo"] == artwork.photo_id
    assert item["tribute"] == {
        "language": artwork.tribute.language,
        "text": artwork.tribute.text,
        "writer": artwork.tribute.writer,
        "edited_at": None,
    }
    # The narration's address, and a version that changes with the voice played (no stale cached voice).
    assert (
        item["narration"]["audio_url"]
        == "http://testserver"
        + reverse("generation:memorial_narration_audio", args=[memorial.slug, artwork.pk])
        + f"?v=s{narration.pk}"
    )
    assert item["narration"]["duration_s"] == narration.duration_s
    assert item["narration"]["sample_rate"] == narration.sample_rate and item["narration"]["engine"] == "espeak-ng"

    image = api.get(item["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    thumbnail = api.get(item["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    assert b"".join(thumbnail.streaming_content).startswith(b"\xff\xd8")
    audio = api.get(item["narration"]["audio_url"])
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/mpeg"
    assert len(b"".join(audio.streaming_content)) > 1000

    for who in ("stranger", "anonymous"):  # not published yet: the family's only
        as_(api, family, who)
        assert api.get(item["image_url"]).status_code == 404, who
        assert api.get(item["thumbnail_url"]).status_code == 404, who
        assert api.get(item["narration"]["audio_url"]).status_code == 404, who
        assert api.get(item["url"]).status_code == 404, who


def test_a_private_memorial_s_artworks_are_a_404_to_strangers_even_when_published(api, family, style):
    memorial = family.memorial(Visibility.PRIVATE)
    photo = make_photo(memorial, family.contributor)
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    tasks.run_stylization(job.pk)
    artwork = Artwork.objects.get()
    services.publish_artwork(artwork=artwork, by=family.manager)
    for who, expected in [("viewer", 200), ("stranger", 404), ("anonymous", 404)]:
        as_(api, family, who)
        assert api.get(f"{API}/memorials/{memorial.slug}/artworks/").status_code == expected, who
        assert api.get(f"{API}/artworks/{artwork.pk}/").status_code == expected, who
        assert api.get(reverse("generation:artwork_image", args=[artwork.pk])).status_code == expected, who
        assert api.get(reverse("generation:narration_audio", args=[artwork.pk])).status_code == expected, who
        assert api.get(f"{API}/jobs/{job.pk}/").status_code == expected, who


# --- Publishing, editing the words, deleting -----------------------------------------------------


def test_guests_see_an_artwork_only_once_a_manager_publishes_it(api, family, artwork, memorial):
    listed = f"{API}/memorials/{memorial.slug}/artworks/"
    url = f"{API}/artworks/{artwork.pk}/"
    as_(api, family, "anonymous")
    assert api.get(listed).json()["results"] == []
    as_(api, family, "stranger")
    assert api.get(listed).json()["results"] == []

    as_(api, family, "contributor")
    assert [a["id"] for a in api.get(listed).json()["results"]] == [artwork.pk]  # the family sees it
    assert api.patch(url, {"published": True}, format="json").status_code == 403
    artwork.refresh_from_db()
    assert artwork.published is False

    as_(api, family, "manager")
    response = api.patch(url, {"published": True}, format="json")
    assert response.status_code == 200 and response.json()["published"] is True
    record = ModerationAction.objects.get(action="publish_artwork")
    assert record.moderator == family.manager and record.target_id == artwork.pk

    as_(api, family, "anonymous")
    assert [a["id"] for a in api.get(listed).json()["results"]] == [artwork.pk]
    assert api.get(url).status_code == 200
    image = api.get(reverse("generation:artwork_image", args=[artwork.pk]))
    assert image.status_code == 200 and image["Cache-Control"].startswith("public")
    assert api.patch(url, {"published": False}, format="json").status_code == 401  # sign in first
    as_(api, family, "stranger")
    assert api.patch(url, {"published": False}, format="json").status_code == 403

    as_(api, family, "owner")
    assert api.patch(url, {"published": False}, format="json").json()["published"] is False
    as_(api, family, "anonymous")
    assert api.get(listed).json()["results"] == []


def test_a_manager_changes_the_words_and_they_are_spoken_again(
    api, family, artwork, django_capture_on_commit_callbacks
):
    url = f"{API}/artworks/{artwork.pk}/"
    as_(api, family, "manager")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.patch(url, {"tribute_text": "  바다를 사랑하셨던 할머니.  "}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tribute"]["text"] == "바다를 사랑하셨던 할머니." and response.json()["tribute"]["edited_at"]
    assert len(callbacks) == 1  # the recording is made again in the background
    tribute = TributeText.objects.get()
    assert tribute.edited_by == family.manager

    assert tasks.renarrate(tribute.pk, tribute.edited_at.isoformat()) == "spoken"
    assert Narration.objects.get().language == tribute.language


def test_words_of_ten_thousand_characters_are_refused_with_a_clear_message(api, family, artwork):
    before = artwork.tribute.text
    as_(api, family, "manager")
    response = api.patch(f"{API}/artworks/{artwork.pk}/", {"tribute_text": "가" * 10_000}, format="json")
    assert response.status_code == 400
    assert response.json() == {"tribute_text": [f"Please keep the text under {services.MAX_TRIBUTE_CHARS} characters."]}
    response = api.patch(f"{API}/artworks/{artwork.pk}/", {"tribute_text": "   "}, format="json")
    assert response.status_code == 400 and response.json() == {"tribute_text": ["The text cannot be empty."]}
    assert api.patch(f"{API}/artworks/{artwork.pk}/", {}, format="json").status_code == 400
    assert TributeText.objects.get().text == before

    as_(api, family, "contributor")
    assert api.patch(f"{API}/artworks/{artwork.pk}/", {"tribute_text": "Short."}, format="json").status_code == 403
    assert TributeText.objects.get().text == before


def test_a_change_that_is_refused_changes_nothing(api, family, artwork):
    TributeText.objects.filter(artwork=artwork).delete()
    as_(api, family, "manager")
    response = api.patch(
        f"{API}/artworks/{artwork.pk}/", {"published": True, "tribute_text": "New words."}, format="json"
    )
    assert response.status_code == 400 and "no words" in response.json()["detail"]
    artwork.refresh_from_db()
    assert artwork.published is False and not ModerationAction.objects.exists()


def test_only_managers_delete_an_artwork_and_it_is_recorded(api, family, artwork, settings):
    url = f"{API}/artworks/{artwork.pk}/"
    as_(api, family, "contributor")
    assert api.delete(url).status_code == 403
    as_(api, family, "manager")
    assert api.delete(url).status_code == 204
    # Into the bin, with its words and recording, restorable for 30 days (tests/test_bin.py).
    assert Artwork.objects.get().deleted_at is not None and Narration.objects.exists()
    assert ModerationAction.objects.get(action="bin_painting").moderator == family.manager
    assert api.get(url).status_code == 404


# --- Who may ask for a painting ------------------------------------------------------------------


def expected_request_status(who, visibility):
    member = who in RANK
    if not member and visibility == Visibility.PRIVATE:
        return 404  # a private memorial does not exist for outsiders
    if member and RANK[who] >= RANK["contributor"]:
        return 202
    return 401 if who == "anonymous" else 403


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE])
@pytest.mark.parametrize("who", WHO)
def test_each_role_may_ask_for_a_painting_as_its_role_allows(api, family, style, who, visibility):
    memorial = family.memorial(visibility)
    photo = make_photo(memorial, family.owner)
    response = ask(as_(api, family, who), photo)
    expected = expected_request_status(who, visibility)
    assert response.status_code == expected, response.content
    assert StylizationJob.objects.count() == (1 if expected == 202 else 0)


def test_a_hidden_photo_is_a_404_except_to_managers_who_are_told_why(api, family, photo, style):
    photo_service.set_hidden(photo=photo, hidden=True, by=family.manager)
    for who in ("contributor", "viewer", "stranger", "anonymous"):
        assert ask(as_(api, family, who), photo).status_code == 404, who
    response = ask(as_(api, family, "manager"), photo)
    assert response.status_code == 400 and "hidden" in response.json()["detail"]
    assert not StylizationJob.objects.exists()


def test_an_unknown_or_retired_style_is_refused(api, family, photo, style):
    as_(api, family, "contributor")
    response = ask(api, photo, "cubism")
    assert response.status_code == 400 and "cubism" in response.json()["style"][0]
    assert ask(api, photo, "").status_code == 400
    style.is_active = False
    style.save()
    response = ask(api, photo)
    assert response.status_code == 400 and "no longer offered" in response.json()["detail"]
    assert not StylizationJob.objects.exists()


def test_too_many_paintings_on_the_way_are_refused(api, family, photo, style):
    as_(api, family, "contributor")
    for _ in range(services.MAX_ACTIVE_JOBS_PER_PERSON):
        assert ask(api, photo).status_code == 202
    response = ask(api, photo)
    assert response.status_code == 400 and "wait" in response.json()["detail"]


# --- Jobs: seen by the family, cancelled by the one who asked or a manager -------------------------


def test_a_job_is_seen_by_the_family_only(api, family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    for who, expected in [("owner", 200), ("viewer", 200), ("stranger", 404), ("anonymous", 404)]:
        as_(api, family, who)
        assert api.get(f"{API}/jobs/{job.pk}/").status_code == expected, who
        if expected == 404:
            assert api.post(f"{API}/jobs/{job.pk}/cancel/").status_code == 404, who
    assert api.get(f"{API}/jobs/{job.pk + 100}/").status_code == 404


def test_the_one_who_asked_cancels_their_job(api, family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    as_(api, family, "viewer")
    assert api.post(f"{API}/jobs/{job.pk}/cancel/").status_code == 403
    as_(api, family, "contributor")
    response = api.post(f"{API}/jobs/{job.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled" and response.json()["finished"]
    assert api.post(f"{API}/jobs/{job.pk}/cancel/").status_code == 200  # again: nothing changes
    assert tasks.run_stylization(job.pk).startswith("not claimed")
    assert not ModerationAction.objects.exists()  # cancelling your own job is not moderation


def test_a_manager_cancels_someone_else_s_running_job_and_it_is_recorded(api, family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    StylizationJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker="gpu-1:42")
    as_(api, family, "manager")
    response = api.post(f"{API}/jobs/{job.pk}/cancel/")
    assert response.status_code == 200
    assert (
        response.json()["status"] == "running" and response.json()["cancel_requested"] is True
    )  # stops at the next step
    record = ModerationAction.objects.get(action="cancel_job")
    assert record.moderator == family.manager and record.target_id == job.pk and record.memorial == job.memorial


def test_a_finished_job_cannot_be_cancelled(api, family, artwork):
    as_(api, family, "contributor")
    response = api.post(f"{API}/jobs/{artwork.job_id}/cancel/")
    assert response.status_code == 409 and "finished" in response.json()["detail"]
    assert StylizationJob.objects.get().status == JobStatus.SUCCEEDED


def test_a_failed_job_tells_the_family_what_happened_in_a_plain_sentence(api, family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    StylizationJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="The painter ran out of memory.")
    body = as_(api, family, "viewer").get(f"{API}/jobs/{job.pk}/").json()
    assert body["status"] == "failed" and body["artwork"] is None
    assert "could not be made" in body["error"] and body["error_detail"] == ""


# --- Styles and the schema -----------------------------------------------------------------------


def test_anyone_sees_the_styles_on_offer(api, style):
    Style.objects.create(name="Oil", slug="oil", is_active=False)
    response = api.get(f"{API}/styles/")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "name": "Watercolor",
            "slug": "watercolor",
            "description": "Soft washes of colour",
            "name_en": "Watercolor",
            "name_ko": "Watercolor",  # no Korean name given: the English one
            "description_en": "Soft washes of colour",
            "description_ko": "Soft washes of colour",
            "sample_image_url": None,
            "settings": painting_settings.defaults(style),  # what a request's left-out settings are
        }
    ]


def test_the_list_of_artworks_takes_the_same_queries_however_many_there_are(
    api, family, memorial, style, django_assert_max_num_queries
):
    def add_artwork(n):
        photo = make_photo(memorial, family.contributor, caption=str(n)) if n else make_photo(memorial, family.owner)
        job = services.request_artwork(photo=photo, style=style, by=family.owner)
        art = Artwork.objects.create(
            job=job,
            photo=photo,
            memorial=memorial,
            style=style,
            image=f"a{n}.png",
            width=8,
            height=8,
            seed=1,
            backend="filter:painterly",
        )
        words = TributeText.objects.create(artwork=art, language="ko", text="…", writer="builtin")
        Narration.objects.create(
            tribute=words, audio=f"n{n}.mp3", duration_s=1, sample_rate=22050, engine="espeak-ng", language="ko"
        )

    as_(api, family, "viewer")
    url = f"{API}/memorials/{memorial.slug}/artworks/"
    add_artwork(0)
    with django_assert_max_num_queries(20) as one:
        assert len(api.get(url).json()["results"]) == 1
    for n in (1, 2, 3):
        add_artwork(n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api.get(url).json()["results"]) == 4


def test_the_schema_describes_the_artwork_endpoints(api, db):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert set(paths[f"{API}/photos/{{id}}/artworks/"]["post"]["responses"]) >= {"202", "400", "401", "403", "404"}
    assert set(paths[f"{API}/artworks/{{id}}/"]) >= {"get", "patch", "delete"}
    listed = {
        f"{API}/jobs/{{id}}/",
        f"{API}/jobs/{{id}}/cancel/",
        f"{API}/styles/",
        f"{API}/memorials/{{slug}}/artworks/",
    }
    assert listed <= set(paths)
    artwork = schema["components"]["schemas"]["Artwork"]["properties"]
    assert {"image_url", "is_filter", "tribute", "narration"} <= set(artwork)
    assert "JobStatusEnum" in schema["components"]["schemas"]
