"""Nothing lost when people disagree: an edit started from an older version of a memorial is
refused, changing nothing, and the person sees what changed since and keeps what they typed."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from memorial.models import Memorial, ModerationAction

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _form(response) -> dict:
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {name: ("" if value is None else value) for name, value in data.items()}


def test_a_managers_stale_form_does_not_make_a_private_memorial_public_again(client, family):
    memorial = family.memorial("public", full_name="Stale form")
    owner = client.__class__()
    owner.force_login(family.owner)
    client.force_login(family.manager)
    managers_form = _form(client.get(reverse("memorial:edit", args=[memorial.slug])))  # opened while public

    owners_form = _form(owner.get(reverse("memorial:edit", args=[memorial.slug])))
    owner.post(reverse("memorial:edit", args=[memorial.slug]), {**owners_form, "visibility": "private"})
    memorial.refresh_from_db()
    assert memorial.visibility == "private"

    response = client.post(reverse("memorial:edit", args=[memorial.slug]), {**managers_form, "place": "Busan"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved changes" in html and "Visibility: public → private, by Owner" in html
    memorial.refresh_from_db()
    assert memorial.visibility == "private" and memorial.place == ""  # nothing saved
    # The form keeps what the manager typed, and shows the owner's change: saving again is safe.
    again = _form(response)
    assert again["place"] == "Busan" and again["visibility"] == "private"
    assert client.post(reverse("memorial:edit", args=[memorial.slug]), again).status_code == 302
    memorial.refresh_from_db()
    assert memorial.visibility == "private" and memorial.place == "Busan"
    # The change of visibility made on the site is in the audit trail.
    record = ModerationAction.objects.get(action="change_visibility")
    assert record.moderator == family.owner and record.note == "visibility public -> private"


def test_two_relatives_editing_the_life_story_do_not_overwrite_each_other(client, family):
    memorial = family.memorial(full_name="Two editors", life_story="She loved the sea.")
    other = client.__class__()
    other.force_login(family.owner)
    client.force_login(family.manager)
    url = reverse("memorial:edit", args=[memorial.slug])
    mine, theirs = _form(client.get(url)), _form(other.get(url))
    assert other.post(url, {**theirs, "life_story": "She loved the sea and her garden."}).status_code == 302
    response = client.post(url, {**mine, "life_story": "She loved the sea, and singing."})
    assert response.status_code == 409
    assert "Life story: She loved the sea. → She loved the sea and her garden., by Owner" in response.content.decode()
    assert _form(response)["life_story"] == "She loved the sea, and singing."  # what I typed is kept
    memorial.refresh_from_db()
    assert memorial.life_story == "She loved the sea and her garden."


def test_two_relatives_editing_the_life_story_through_the_api_do_not_overwrite_each_other(family):
    memorial = family.memorial(full_name="API editors", life_story="First words.")
    first, second = APIClient(), APIClient()
    first.force_authenticate(family.owner)
    second.force_authenticate(family.manager)
    url = f"{API}/memorials/{memorial.slug}/"
    got = first.get(url)
    etag, version = got["ETag"], got.json()["version"]
    assert etag == f'"{version}"'

    # The second relative saves with the version they read.
    saved = second.patch(url, {"life_story": "Second words.", "version": version}, format="json")
    assert saved.status_code == 200 and saved.json()["version"] == version + 1
    assert saved["ETag"] == f'"{version + 1}"'

    # The first one's stale edit is refused, by If-Match (412) or by version (409), changing nothing.
    stale = first.patch(url, {"life_story": "Overwritten?"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["version"] == version + 1
    assert stale.json()["changes"][0]["fields"]["life_story"] == ["First words.", "Second words."]
    stale = first.patch(url, {"life_story": "Overwritten?", "version": version}, format="json")
    assert stale.status_code == 409 and "Someone else saved" in stale.json()["detail"]
    assert Memorial.objects.get(pk=memorial.pk).life_story == "Second words."

    # With the current version it goes through; a PUT too.
    ok = first.patch(
        url, {"life_story": "Both.", "version": version + 1}, format="json", HTTP_IF_MATCH=f'"{version + 1}"'
    )
    assert ok.status_code == 200
    full = {**ok.json(), "life_story": "All of it."}
    put = first.put(url, full, format="json", HTTP_IF_MATCH=ok["ETag"])
    assert put.status_code == 200 and Memorial.objects.get(pk=memorial.pk).life_story == "All of it."
    assert first.put(url, full, format="json", HTTP_IF_MATCH=ok["ETag"]).status_code == 412


def test_an_unreadable_version_is_refused_with_a_message(family):
    memorial = family.memorial(full_name="Odd versions")
    api = APIClient()
    api.force_authenticate(family.manager)
    url = f"{API}/memorials/{memorial.slug}/"
    assert api.patch(url, {"place": "x"}, format="json", HTTP_IF_MATCH="nonsense").status_code == 412
    assert api.patch(url, {"place": "x", "version": "9" * 40}, format="json").status_code == 400
    assert api.patch(url, {"place": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_a_visibility_change_through_the_api_is_in_the_audit_trail(family):
    memorial = family.memorial("public", full_name="Audited")
    api = APIClient()
    api.force_authenticate(family.manager)
    api.patch(f"{API}/memorials/{memorial.slug}/", {"visibility": "unlisted"}, format="json")
    record = ModerationAction.objects.get(action="change_visibility")
    assert record.moderator == family.manager and record.memorial_id == memorial.pk
    assert record.note == "visibility public -> unlisted"


def test_a_new_cover_photo_does_not_make_an_open_edit_form_stale(client, family, memorial, photo):
    client.force_login(family.manager)
    url = reverse("memorial:edit", args=[memorial.slug])
    form = _form(client.get(url))
    client.post(reverse("memorial:photo_make_cover", args=[memorial.slug, photo.pk]))
    assert client.post(url, {**form, "place": "Jeju"}).status_code == 302


def test_a_moderator_making_a_memorial_private_in_the_admin_is_not_undone_by_an_open_form(client, family, admin_user):
    memorial = family.memorial("public", full_name="Made private by staff")
    client.force_login(family.manager)
    url = reverse("memorial:edit", args=[memorial.slug])
    form = _form(client.get(url))
    staff = client.__class__()
    staff.force_login(admin_user)
    staff.post(
        reverse("admin:memorial_memorial_changelist"), {"action": "make_private", "_selected_action": [memorial.pk]}
    )
    assert Memorial.objects.get(pk=memorial.pk).visibility == "private"
    response = client.post(url, {**form, "place": "Seoul"})
    assert response.status_code == 409 and "Visibility: public → private" in response.content.decode()
    assert Memorial.objects.get(pk=memorial.pk).visibility == "private"


def test_a_change_at_the_end_of_a_long_life_story_shows_what_changed(client, family):
    opening = "She was born in Mokpo in 1941 and grew up by the harbour, the eldest of five children. " * 3
    memorial = family.memorial(full_name="Long story", life_story=opening + "She loved the sea.")
    other = client.__class__()
    other.force_login(family.owner)
    client.force_login(family.manager)
    url = reverse("memorial:edit", args=[memorial.slug])
    mine = _form(client.get(url))
    theirs = _form(other.get(url))
    assert other.post(url, {**theirs, "life_story": opening + "She loved the sea and her garden."}).status_code == 302

    response = client.post(url, {**mine, "place": "Mokpo"})
    assert response.status_code == 409
    html = response.content.decode()
    # Both versions are shown around where they differ, not cut to the same first words.
    assert "She loved the sea.</" in html or "She loved the sea. →" in html
    assert "She loved the sea and her garden." in html
