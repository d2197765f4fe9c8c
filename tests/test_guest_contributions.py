"""Guests add their own memories where the family allows it: a photo or a story waits for a
manager; approved, it is on the memorial credited to its author; rejected, it is gone, files too."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from memorial.models import Album, GuestContribution, Photo
from tests.conftest import jpeg_upload

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def allow(family, memorial):
    response = signed_in(family.manager).post(
        reverse("memorial:guest_memories_setting", args=[memorial.slug]), {"accepts": "on"}
    )
    assert response.status_code == 302
    memorial.refresh_from_db()


def send_photo(client, memorial, upload, name="Friend", caption=""):
    return client.post(
        reverse("memorial:share", args=[memorial.slug]),
        {"kind": "photo", "photo-guest_name": name, "photo-photo": upload, "photo-caption": caption},
    )


def send_story(client, memorial, story, name="Friend"):
    return client.post(
        reverse("memorial:share", args=[memorial.slug]),
        {"kind": "story", "story-guest_name": name, "story-story": story},
    )


def moderation(family, memorial):
    return signed_in(family.manager).get(reverse("memorial:moderation", args=[memorial.slug]))


def test_a_guests_photo_appears_only_after_a_manager_approves_it(family, memorial, django_capture_on_commit_callbacks):
    allow(family, memorial)
    response = send_photo(Client(), memorial, jpeg_upload("school.jpg", size=(200, 150)), "김철수", "1975년 소풍")
    assert response.status_code == 302
    contribution = GuestContribution.objects.get()
    assert contribution.status == "pending"
    assert Photo.objects.count() == 0 and not Album.objects.filter(title="Friends' photos").exists()
    queue = moderation(family, memorial).content.decode()
    preview = reverse("memorial:contribution_preview", args=[memorial.slug, contribution.pk])
    assert preview in queue and "김철수" in queue
    assert signed_in(family.manager).get(preview)["Content-Type"] == "image/jpeg"
    assert Client().get(preview).status_code == 302  # a guest is asked to sign in; sees nothing
    assert signed_in(family.viewer).get(preview).status_code == 403
    storage, upload_name = contribution.upload.storage, contribution.upload.name
    assert storage.exists(upload_name)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(family.manager).post(reverse("memorial:contribution_approve", args=[memorial.slug, contribution.pk]))
    album = Album.objects.get(title="Friends' photos")
    [photo] = album.photos.all()
    assert "김철수" in photo.caption and "1975년 소풍" in photo.caption
    assert not storage.exists(upload_name)  # the waiting copy went; the album's photo is stored as any photo
    page = Client().get(album.get_absolute_url()).content.decode()
    assert reverse("memorial:memorial_photo_file", args=[memorial.slug, photo.pk, "thumb"]) in page
    # The second approved photo joins the same album.
    send_photo(Client(), memorial, jpeg_upload("two.jpg", color=(10, 200, 10)), "이영희")
    second = GuestContribution.objects.get(status="pending")
    signed_in(family.owner).post(reverse("memorial:contribution_approve", args=[memorial.slug, second.pk]))
    assert album.photos.count() == 2 and Album.objects.filter(title="Friends' photos").count() == 1


def test_a_guests_story_is_on_the_memorial_page_with_their_name_once_approved(family, memorial):
    allow(family, memorial)
    send_story(Client(), memorial, "I remember her teaching me to make kimchi every November.", "Neighbour Choi")
    story = GuestContribution.objects.get()
    assert "teaching me to make kimchi" not in Client().get(memorial.get_absolute_url()).content.decode()
    signed_in(family.manager).post(reverse("memorial:contribution_approve", args=[memorial.slug, story.pk]))
    page = Client().get(memorial.get_absolute_url()).content.decode()
    assert "teaching me to make kimchi" in page and "Neighbour Choi" in page


def test_a_signed_in_person_outside_the_family_sends_a_story_under_their_name(family, memorial):
    allow(family, memorial)
    stranger = signed_in(family.stranger)
    stranger.post(reverse("memorial:share", args=[memorial.slug]), {"kind": "story", "story-story": "Kind teacher."})
    story = GuestContribution.objects.get()
    assert story.author == family.stranger and story.display_name == str(family.stranger)


def test_a_rejected_photo_is_deleted_with_its_files(family, memorial, django_capture_on_commit_callbacks):
    allow(family, memorial)
    send_photo(Client(), memorial, jpeg_upload())
    contribution = GuestContribution.objects.get()
    files = [
        (contribution.upload.storage, contribution.upload.name),
        (contribution.preview.storage, contribution.preview.name),
    ]
    assert all(storage.exists(name) for storage, name in files)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(family.manager).post(reverse("memorial:contribution_reject", args=[memorial.slug, contribution.pk]))
    assert not GuestContribution.objects.exists() and not Photo.objects.exists()
    assert not any(storage.exists(name) for storage, name in files)


def test_where_the_family_does_not_allow_it_there_is_nothing_to_send_to(family, memorial):
    assert Client().get(reverse("memorial:share", args=[memorial.slug])).status_code == 404
    assert send_story(Client(), memorial, "Hello").status_code == 404
    assert "Share a photo or a memory" not in Client().get(memorial.get_absolute_url()).content.decode()
    allow(family, memorial)
    assert "Share a photo or a memory" in Client().get(memorial.get_absolute_url()).content.decode()
    assert (
        signed_in(family.viewer).post(reverse("memorial:guest_memories_setting", args=[memorial.slug]), {}).status_code
        == 403
    )


def test_a_private_memorial_takes_nothing_from_strangers(family, private_memorial):
    allow(family, private_memorial)
    assert send_story(signed_in(family.stranger), private_memorial, "Hello").status_code == 404
    assert send_story(Client(), private_memorial, "Hello").status_code == 404
    assert not GuestContribution.objects.exists()


def test_a_hostile_upload_is_refused_and_nothing_is_stored(family, memorial):
    allow(family, memorial)
    fake = SimpleUploadedFile("photo.jpg", b"<?php system($_GET['c']); ?>" * 10, content_type="image/jpeg")
    response = send_photo(Client(), memorial, fake)
    assert response.status_code == 400
    assert not GuestContribution.objects.exists()
    assert not default_storage.exists(f"contributions/{memorial.pk}")


def test_a_guest_must_give_a_name_and_cannot_send_too_many(family, memorial, settings):
    allow(family, memorial)
    assert send_story(Client(), memorial, "No name", name="").status_code == 400
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "condolence": {"person": 20, "visitor": 2, "window": 3600}}
    phone = Client()
    phone.get(memorial.get_absolute_url())
    assert send_story(phone, memorial, "One").status_code == 302
    assert send_story(phone, memorial, "Two").status_code == 302
    assert send_story(phone, memorial, "Three").status_code == 429
    assert GuestContribution.objects.count() == 2


def test_an_approved_story_is_in_the_download_of_all_memories(family, memorial):
    import json
    import zipfile

    from memorial import contributions, export
    from memorial import tasks as export_tasks

    story = contributions.send_story(memorial=memorial, story="She sang at every wedding.", guest_name="Cousin")
    contributions.approve(contribution=story, by=family.manager)
    contributions.send_story(memorial=memorial, story="Still waiting", guest_name="Other")
    job = export.request_export(memorial=memorial, by=family.owner)
    assert export_tasks.build_export(job.pk) == "succeeded"
    job.refresh_from_db()
    with zipfile.ZipFile(job.file.open("rb")) as archive:
        data = json.loads(archive.read("memorial.json"))
    assert data["friends_memories"] == [
        {
            "name": "Cousin",
            "story": "She sang at every wedding.",
            "created_at": data["friends_memories"][0]["created_at"],
        }
    ]


def test_the_site_moderators_decide_about_guests_memories_in_the_admin(family, memorial, admin_client):
    from memorial import contributions

    story = contributions.send_story(memorial=memorial, story="He fixed every bicycle.", guest_name="Neighbour")
    spam = contributions.send_story(memorial=memorial, story="Cheap loans", guest_name="Spam")
    changelist = reverse("admin:memorial_guestcontribution_changelist")
    admin_client.post(changelist, {"action": "approve", "_selected_action": [story.pk]})
    admin_client.post(changelist, {"action": "reject", "_selected_action": [spam.pk]})
    assert list(GuestContribution.objects.values_list("story", "status")) == [("He fixed every bicycle.", "approved")]
    assert admin_client.get(reverse("admin:memorial_guestcontribution_change", args=[story.pk])).status_code == 200
    assert admin_client.get(reverse("admin:memorial_thankyou_changelist")).status_code == 200
