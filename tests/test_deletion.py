"""Deleting an account asks what happens to its memorials; nothing is left behind in storage."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from memorial import condolences
from memorial import photos as photo_service
from memorial.models import Condolence, Membership
from memorial.orphans import find_orphans
from tests.conftest import PASSWORD, jpeg_upload

pytestmark = pytest.mark.django_db


def test_deleting_an_account_hands_over_or_deletes_each_owned_memorial(client, family):
    kept = family.memorial(full_name="Kept")
    dropped = family.memorial(full_name="Dropped")
    condolences.leave_condolence(memorial=kept, message="Always with us", author=family.owner)
    client.force_login(family.owner)
    url = reverse("memorial:delete_account")
    page = client.get(url).content.decode()
    assert "Kept" in page and "Hand over to Manager" in page

    # Nothing happens without the password, or without a decision for every memorial.
    assert (
        client.post(
            url, {"password": "wrong", f"memorial-{kept.pk}": family.manager.pk, f"memorial-{dropped.pk}": "delete"}
        ).status_code
        == 400
    )
    response = client.post(url, {"password": PASSWORD, f"memorial-{kept.pk}": family.manager.pk})
    assert response.status_code == 400 and "Dropped" in response.content.decode()
    assert User.objects.filter(pk=family.owner.pk).exists()

    client.post(
        url, {"password": PASSWORD, f"memorial-{kept.pk}": family.manager.pk, f"memorial-{dropped.pk}": "delete"}
    )
    assert not User.objects.filter(pk=family.owner.pk).exists()
    assert Membership.objects.get(memorial=kept, role="owner").user == family.manager
    dropped.refresh_from_db()
    assert dropped.deleted_at is not None
    message = Condolence.objects.get()
    assert message.author is None and message.display_name == "Owner"  # the words stay, with their name


def test_the_members_who_could_take_over_are_offered_managers_first(client, family):
    memorial = family.memorial()
    client.force_login(family.owner)
    html = client.get(reverse("memorial:delete_account")).content.decode()
    offered = re.findall(r"Hand over to ([^(<]+) \(", html)
    assert offered == ["Manager", "Contributor", "Viewer"], offered
    assert memorial.full_name in html


def test_orphans_are_found_and_reported(family, settings):
    memorial = family.memorial()
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(), by=family.owner)
    assert find_orphans().clean
    stray = settings.MEDIA_ROOT / "photos" / "stray.jpg"
    stray.write_bytes(b"x")
    photo.thumbnail.storage.delete(photo.thumbnail.name)
    report = find_orphans()
    assert report.files_without_records["default"] == ["photos/stray.jpg"]
    assert report.records_without_files == [f"memorial.Photo {photo.pk} thumbnail: {photo.thumbnail.name}"]


def _delete_account_choosing_delete(client, owner, memorial):
    client.force_login(owner)
    response = client.post(
        reverse("memorial:delete_account"), {"password": PASSWORD, f"memorial-{memorial.pk}": "delete"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=owner.pk).exists()


def test_managers_can_restore_a_memorial_its_owner_deleted_with_their_account(client, family):
    memorial = family.memorial("private", full_name="Kept by the family")
    client.force_login(family.owner)
    assert "restore it for 30 days" in client.get(reverse("memorial:delete_account")).content.decode()
    _delete_account_choosing_delete(client, family.owner, memorial)

    # The contributor, the viewer and strangers still find nothing.
    for who in ("contributor", "viewer", "stranger"):
        client.force_login(family.user(who))
        assert "Kept by the family" not in client.get(reverse("memorial:dashboard")).content.decode()
        assert client.post(reverse("memorial:restore", args=[memorial.slug])).status_code == 404
        assert client.get(memorial.get_absolute_url()).status_code == 404
    client.logout()
    assert client.post(reverse("memorial:restore", args=[memorial.slug])).status_code in (302, 404)
    memorial.refresh_from_db()
    assert memorial.deleted_at is not None

    # The manager sees it under "Recently deleted" and brings it back, becoming its owner.
    client.force_login(family.manager)
    dashboard = client.get(reverse("memorial:dashboard")).content.decode()
    assert "Recently deleted" in dashboard and "Kept by the family" in dashboard
    client.post(reverse("memorial:restore", args=[memorial.slug]))
    memorial.refresh_from_db()
    assert memorial.deleted_at is None
    assert Membership.objects.get(memorial=memorial, role="owner").user == family.manager
    assert client.get(memorial.get_absolute_url()).status_code == 200


def test_a_memorial_deleted_before_its_owner_left_can_be_restored_by_its_managers(client, family):
    from memorial import services

    memorial = family.memorial(full_name="Deleted earlier")
    services.delete_memorial(memorial=memorial, by=family.owner)
    client.force_login(family.manager)
    assert client.post(reverse("memorial:restore", args=[memorial.slug])).status_code == 404  # its owner decides
    client.force_login(family.owner)
    client.post(reverse("memorial:delete_account"), {"password": PASSWORD})
    assert not User.objects.filter(pk=family.owner.pk).exists()
    client.force_login(family.manager)
    client.post(reverse("memorial:restore", args=[memorial.slug]))
    memorial.refresh_from_db()
    assert memorial.deleted_at is None
    assert Membership.objects.get(memorial=memorial, role="owner").user == family.manager


def test_staff_can_restore_a_memorial_nobody_owns_from_the_admin(client, family, admin_user):
    memorial = family.memorial(full_name="Staff restores")
    _delete_account_choosing_delete(client, family.owner, memorial)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:memorial_memorial_changelist"),
        {"action": "restore", "_selected_action": [memorial.pk]},
        follow=True,
    )
    assert response.status_code == 200 and "1 memorial restored" in response.content.decode()
    memorial.refresh_from_db()
    assert memorial.deleted_at is None
    # No member asked for it: the highest-ranking one left becomes its owner.
    assert Membership.objects.get(memorial=memorial, role="owner").user == family.manager
