"""Nothing a family made is lost by one mistaken tap: deleted photos, albums and paintings go to the
memorial's bin, hidden from everyone, restorable by its managers for 30 days, then purged with their
files by the daily schedule (which spares whatever was restored while it ran)."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from generation.models import Artwork
from memorial import bin, export, page_cache, services, tasks
from memorial import photos as photo_service
from memorial.models import Album, Memorial, ModerationAction, Photo
from tests.conftest import add_photo

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _files(settings):
    root = settings.MEDIA_ROOT
    private = settings.PRIVATE_MEDIA_ROOT
    return sorted(str(p) for base in (root, private) if base.exists() for p in base.rglob("*") if p.is_file())


def _later():
    return timezone.now() + dt.timedelta(days=settings.MEMORIAL_RESTORE_DAYS + 1)


def test_a_photo_deleted_by_mistake_can_be_restored_from_the_bin(client, family, memorial, photo):
    client.force_login(family.manager)
    response = client.post(reverse("memorial:photo_delete", args=[memorial.slug, photo.pk]), follow=True)
    assert "moved to the bin" in response.content.decode() and "30 days" in response.content.decode()
    photo.refresh_from_db()
    assert photo.deleted_at is not None and photo.deleted_by == family.manager
    # Gone everywhere, for the manager too: its page, its file, the memorial page, the API.
    assert client.get(photo.get_absolute_url()).status_code == 404
    assert client.get(reverse("memorial:photo_file", args=[photo.pk, "thumb"])).status_code == 404
    assert (
        reverse("memorial:photo_file", args=[photo.pk, "thumb"])
        not in client.get(memorial.get_absolute_url()).content.decode()
    )
    api = APIClient()
    api.force_authenticate(family.manager)
    assert api.get(f"{API}/photos/{photo.pk}/").status_code == 404

    # The bin page says what, by whom, until when; one tap brings it back.
    bin_page = client.get(reverse("memorial:bin", args=[memorial.slug]))
    html = bin_page.content.decode()
    assert bin_page.status_code == 200 and "바닷가에서" in html and "Deleted by Manager" in html
    assert "destroyed on" in html
    assert client.get(reverse("memorial:bin_thumbnail", args=[memorial.slug, photo.pk])).status_code == 200
    client.post(reverse("memorial:bin_restore", args=[memorial.slug, "photo", photo.pk]))
    photo.refresh_from_db()
    assert photo.deleted_at is None
    assert client.get(photo.get_absolute_url()).status_code == 200
    assert ModerationAction.objects.filter(action="bin_photo").exists()
    assert ModerationAction.objects.filter(action="restore_photo_from_bin").exists()


def test_only_the_managers_see_and_restore_from_the_bin(client, family, memorial, photo):
    photo_service.delete_photo(photo=photo, by=family.manager)
    for who, expected in (("contributor", 403), ("viewer", 403), ("stranger", 403)):
        client.force_login(family.user(who))
        assert client.get(reverse("memorial:bin", args=[memorial.slug])).status_code == expected
        assert (
            client.post(reverse("memorial:bin_restore", args=[memorial.slug, "photo", photo.pk])).status_code
            == expected
        )
        assert client.get(reverse("memorial:bin_thumbnail", args=[memorial.slug, photo.pk])).status_code == expected
    client.logout()
    assert client.get(reverse("memorial:bin", args=[memorial.slug])).status_code == 302  # sign in first
    photo.refresh_from_db()
    assert photo.deleted_at is not None


def test_deleting_an_album_asks_first(client, family, memorial, photo):
    album = memorial.albums.get()
    client.force_login(family.manager)
    assert (
        reverse("memorial:album_delete", args=[memorial.slug, album.pk])
        in client.get(album.get_absolute_url()).content.decode()
    )
    ask = client.get(reverse("memorial:album_delete", args=[memorial.slug, album.pk]))
    assert ask.status_code == 200 and "Move to the bin" in ask.content.decode()
    album.refresh_from_db()
    assert album.deleted_at is None  # asking changed nothing
    client.force_login(family.contributor)
    assert client.post(reverse("memorial:album_delete", args=[memorial.slug, album.pk])).status_code == 403
    client.force_login(family.manager)
    response = client.post(reverse("memorial:album_delete", args=[memorial.slug, album.pk]), follow=True)
    assert "moved to the bin" in response.content.decode()
    album.refresh_from_db()
    assert album.deleted_at is not None and Photo.objects.filter(pk=photo.pk).exists()


def test_a_binned_album_is_gone_for_guests(client, family, memorial, photo):
    album = services.update_album(album=memorial.albums.get(), title="Jeju, 1998")
    client.get(memorial.get_absolute_url())  # a guest's page is kept in memory...
    client.get(reverse("memorial:photo_file", args=[photo.pk, "thumb"]))
    services.delete_album(album=album, by=family.manager)
    page = client.get(memorial.get_absolute_url()).content.decode()  # ...and forgotten
    assert album.title not in page and reverse("memorial:photo_file", args=[photo.pk, "thumb"]) not in page
    assert client.get(album.get_absolute_url()).status_code == 404
    assert client.get(photo.get_absolute_url()).status_code == 404
    assert client.get(reverse("memorial:photo_file", args=[photo.pk, "thumb"])).status_code == 404
    api = APIClient()
    assert api.get(f"{API}/albums/{album.pk}/").status_code == 404
    assert api.get(f"{API}/albums/{album.pk}/photos/").status_code == 404
    listed = api.get(f"{API}/memorials/{memorial.slug}/albums/").json()
    assert album.pk not in [a["id"] for a in listed.get("results", listed)]
    # Not in "Download all memories" either.
    collected = export.collect(memorial)
    assert collected.data["albums"] == [] and photo.pk not in collected.screen_of

    # A photo of a binned album comes back with the album, not on its own.
    client.force_login(family.manager)
    response = client.post(reverse("memorial:bin_restore", args=[memorial.slug, "album", album.pk]))
    assert response.status_code == 302
    client.logout()
    assert client.get(photo.get_absolute_url()).status_code == 200


def test_a_photo_in_a_binned_album_is_restored_with_its_album_first(client, family, memorial, photo):
    album = memorial.albums.get()
    photo_service.delete_photo(photo=photo, by=family.manager)
    services.delete_album(album=album, by=family.manager)
    with pytest.raises(bin.RestoreRefused, match="restore the album first"):
        bin.restore(item=Photo.objects.get(pk=photo.pk), by=family.manager)
    api = APIClient()
    api.force_authenticate(family.manager)
    response = api.post(f"{API}/memorials/{memorial.slug}/bin/photo/{photo.pk}/restore/")
    assert response.status_code == 409 and "album" in response.json()["detail"]


def test_deleting_a_painting_asks_first_and_it_can_be_restored(client, family, memorial, artwork):
    from generation import services as generation_services

    generation_services.publish_artwork(artwork=artwork, by=family.manager)
    client.force_login(family.manager)
    ask = client.get(reverse("generation:artwork_delete", args=[artwork.pk]))
    assert ask.status_code == 200 and "Move to the bin" in ask.content.decode()
    artwork.refresh_from_db()
    assert artwork.deleted_at is None
    response = client.post(reverse("generation:artwork_delete", args=[artwork.pk]), follow=True)
    assert "moved to the bin" in response.content.decode()
    artwork.refresh_from_db()
    assert artwork.deleted_at is not None
    client.logout()
    assert client.get(artwork.get_absolute_url()).status_code == 404
    assert client.get(reverse("generation:artwork_image", args=[artwork.pk])).status_code == 404
    assert APIClient().get(f"{API}/memorials/{memorial.slug}/artworks/").json()["results"] == []
    assert (
        reverse("generation:artwork_thumbnail", args=[artwork.pk])
        not in client.get(memorial.get_absolute_url()).content.decode()
    )

    api = APIClient()
    api.force_authenticate(family.manager)
    listed = api.get(f"{API}/memorials/{memorial.slug}/bin/").json()
    assert [(e["kind"], e["id"], e["deleted_by"]) for e in listed] == [("painting", artwork.pk, "Manager")]
    assert api.post(f"{API}/memorials/{memorial.slug}/bin/painting/{artwork.pk}/restore/").status_code == 200
    assert APIClient().get(artwork.get_absolute_url()).status_code == 200


def test_a_painting_of_a_binned_photo_is_gone_and_cannot_be_asked_for(client, family, memorial, artwork, style):
    from generation import services as generation_services

    generation_services.publish_artwork(artwork=artwork, by=family.manager)
    photo = artwork.photo
    photo_service.delete_photo(photo=photo, by=family.manager)
    assert client.get(artwork.get_absolute_url()).status_code == 404
    client.force_login(family.manager)
    assert client.get(artwork.get_absolute_url()).status_code == 404
    assert client.post(reverse("generation:request", args=[photo.pk]), {"style": style.slug}).status_code == 404
    assert export.collect(memorial).data["artworks"] == []  # "Download all memories" leaves it out


def test_the_api_deletes_into_the_bin(family, memorial, photo):
    api = APIClient()
    api.force_authenticate(family.manager)
    assert api.delete(f"{API}/photos/{photo.pk}/").status_code == 204
    assert Photo.objects.get(pk=photo.pk).deleted_at is not None
    album = memorial.albums.get()
    assert api.delete(f"{API}/albums/{album.pk}/").status_code == 204
    assert Album.objects.get(pk=album.pk).deleted_at is not None
    kinds = sorted(e["kind"] for e in api.get(f"{API}/memorials/{memorial.slug}/bin/").json())
    assert kinds == ["album", "photo"]
    api.force_authenticate(family.contributor)
    assert api.get(f"{API}/memorials/{memorial.slug}/bin/").status_code == 403
    assert api.post(f"{API}/memorials/{memorial.slug}/bin/album/{album.pk}/restore/").status_code == 403
    api.force_authenticate(family.stranger)
    assert api.post(f"{API}/memorials/{memorial.slug}/bin/album/999/restore/").status_code == 403


def test_uploading_a_binned_photo_again_brings_it_back(family, memorial, photo):
    photo_service.delete_photo(photo=photo, by=family.manager)
    again = add_photo(memorial, family.contributor)  # the same file (same bytes as the fixture's)
    assert again.pk == photo.pk and Photo.objects.get(pk=photo.pk).deleted_at is None


def test_the_bin_is_emptied_after_thirty_days(family, memorial, artwork, django_capture_on_commit_callbacks):
    photo = artwork.photo
    other = add_photo(memorial, family.contributor, color=(10, 200, 10))
    photo_service.delete_photo(photo=other, by=family.manager)
    from generation import services as generation_services

    generation_services.delete_artwork(artwork=artwork, by=family.manager)
    before = _files(settings)
    assert tasks.purge_deleted_memorials() == {"memorials": [], "album": [], "photo": [], "painting": []}
    assert _files(settings) == before  # nothing before the days are up
    with django_capture_on_commit_callbacks(execute=True):
        purged = bin.purge(now=_later())
    assert purged == {"album": [], "photo": [other.pk], "painting": [artwork.pk]}
    assert not Artwork.objects.exists() and list(Photo.objects.values_list("pk", flat=True)) == [photo.pk]
    left = _files(settings)
    assert not any(other.original.name in f or artwork.image.name in f for f in left)
    assert any(photo.original.name in f for f in left)


def test_the_daily_schedule_empties_the_bin(family, memorial, photo, monkeypatch):
    photo_service.delete_photo(photo=photo, by=family.manager)
    Photo.objects.filter(pk=photo.pk).update(deleted_at=timezone.now() - dt.timedelta(days=31))
    assert tasks.purge_deleted_memorials()["photo"] == [photo.pk]
    assert not Photo.objects.filter(pk=photo.pk).exists()
    names = [s["func"] for s in settings.SCHEDULES]
    assert "memorial.tasks.purge_deleted_memorials" in names


def test_a_photo_restored_while_the_purge_runs_is_kept(family, memorial, photo):
    photo_service.delete_photo(photo=photo, by=family.manager)
    kind = bin.kinds()["photo"]
    chosen = bin.purge_candidates(kind, now=_later())
    assert chosen == [photo.pk]
    bin.restore(item=Photo.objects.get(pk=photo.pk), by=family.manager)  # between choosing and destroying
    assert bin.purge_item(kind, photo.pk, now=_later()) is False
    assert Photo.objects.get(pk=photo.pk).deleted_at is None


def test_a_memorial_restored_while_the_purge_runs_is_kept(family, memorial, monkeypatch):
    services.delete_memorial(memorial=memorial, by=family.owner)
    Memorial.objects.filter(pk=memorial.pk).update(deleted_at=timezone.now() - dt.timedelta(days=31))
    chosen = services.purge_candidates

    def restored_meanwhile(**kwargs):
        ids = chosen(**kwargs)
        services.restore_memorial(memorial=Memorial.objects.get(pk=memorial.pk), by=family.owner)
        return ids

    monkeypatch.setattr(services, "purge_candidates", restored_meanwhile)
    assert services.purge_deleted_memorials() == []
    assert Memorial.objects.get(pk=memorial.pk).deleted_at is None


def test_the_guest_page_forgets_a_binned_painting(client, family, memorial, artwork):
    from generation import services as generation_services

    generation_services.publish_artwork(artwork=artwork, by=family.manager)
    thumb = reverse("generation:artwork_thumbnail", args=[artwork.pk])
    assert thumb in client.get(memorial.get_absolute_url()).content.decode()
    assert client.get(thumb).status_code == 200
    generation_services.delete_artwork(artwork=artwork, by=family.manager)
    page_cache.forget_everything()  # (another process: within MEMORIAL_PAGE_FRESH_SECONDS)
    assert thumb not in client.get(memorial.get_absolute_url()).content.decode()
    assert client.get(thumb).status_code == 404


def test_a_painting_job_no_longer_points_to_a_binned_painting(client, family, memorial, artwork):
    from generation import services as generation_services

    generation_services.delete_artwork(artwork=artwork, by=family.manager)
    client.force_login(family.contributor)
    status = client.get(reverse("generation:job_status", args=[artwork.job_id])).json()
    assert status["status"] == "succeeded" and status["artwork_url"] is None
    api = APIClient()
    api.force_authenticate(family.contributor)
    job = api.get(f"{API}/jobs/{artwork.job_id}/").json()
    assert job["artwork"] is None and job["artwork_url"] is None
