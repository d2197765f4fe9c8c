"""Every role against every action on each visibility, through the pages and the API.

The expectations are written out here from the product's rules, not read from
memorial/permissions.py, so a mistake there shows up as a failure here.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from generation.models import Style
from memorial import condolences
from memorial import photos as photo_service
from memorial.models import Memorial
from tests.conftest import Family, jpeg_upload

pytestmark = pytest.mark.django_db

ROLES = ("owner", "manager", "contributor", "viewer", "stranger", "anonymous")
VISIBILITIES = ("public", "unlisted", "private")
MEMBERS = {"owner", "manager", "contributor", "viewer"}
ALLOWED = {
    "view": MEMBERS,
    "upload": {"owner", "manager", "contributor"},
    "edit": {"owner", "manager"},
    "delete": {"owner"},
    "invite": {"owner", "manager"},
    "moderate": {"owner", "manager"},
    "request_artwork": {"owner", "manager", "contributor"},
}


def expected(action, role, visibility):
    """'ok', 'forbidden' (may see it, may not do it), 'hidden' (404), or 'sign_in'."""
    visible = role in MEMBERS or visibility != "private"
    if action == "view":
        return "ok" if visible else "hidden"
    if role in ALLOWED[action]:
        return "ok"
    if role == "anonymous":
        return "sign_in"
    return "forbidden" if visible else "hidden"


class World:
    def __init__(self, visibility):
        self.family = Family()
        self.memorial = self.family.memorial(visibility)
        self.album = self.memorial.albums.get()
        self.photo, _ = photo_service.add_photo(album=self.album, upload=jpeg_upload(), by=self.family.owner)
        self.condolence = condolences.leave_condolence(
            memorial=self.memorial, message="With love", author=self.family.viewer
        )
        self.style = Style.objects.create(name="Watercolor", slug="watercolor")


PAGE_ACTIONS = {
    "view": lambda c, w: c.get(w.memorial.get_absolute_url()),
    "upload": lambda c, w: c.post(
        reverse("memorial:upload", args=[w.memorial.slug, w.album.pk]),
        {"files": [jpeg_upload("n.jpg", color=(9, 9, 9))]},
    ),
    "edit": lambda c, w: c.post(
        reverse("memorial:edit", args=[w.memorial.slug]),
        {"full_name": "New", "language": "ko", "visibility": w.memorial.visibility, "condolence_policy": "open"},
    ),
    "delete": lambda c, w: c.post(
        reverse("memorial:delete", args=[w.memorial.slug]), {"confirm_name": w.memorial.full_name}
    ),
    "invite": lambda c, w: c.post(
        reverse("memorial:members", args=[w.memorial.slug]),
        {"do": "invite", "role": "viewer", "days": 7, "max_uses": 1},
    ),
    "moderate": lambda c, w: c.post(
        reverse("memorial:condolence_decide", args=[w.memorial.slug, w.condolence.pk, "reject"])
    ),
    "request_artwork": lambda c, w: c.post(reverse("generation:request", args=[w.photo.pk]), {"style": "watercolor"}),
}

API_ACTIONS = {
    "view": lambda c, w: c.get(f"/api/v1/memorials/{w.memorial.slug}/"),
    "upload": lambda c, w: c.post(
        f"/api/v1/albums/{w.album.pk}/photos/", {"files": [jpeg_upload("n.jpg", color=(9, 9, 9))]}, format="multipart"
    ),
    "edit": lambda c, w: c.patch(f"/api/v1/memorials/{w.memorial.slug}/", {"place": "Seoul"}, format="json"),
    "delete": lambda c, w: c.delete(f"/api/v1/memorials/{w.memorial.slug}/"),
    "moderate": lambda c, w: c.post(f"/api/v1/condolences/{w.condolence.pk}/reject/", {}, format="json"),
    "request_artwork": lambda c, w: c.post(
        f"/api/v1/photos/{w.photo.pk}/artworks/", {"style": "watercolor"}, format="json"
    ),
}

PAGE_CODES = {"ok": {200, 302}, "forbidden": {403}, "hidden": {404}}
API_CODES = {"ok": {200, 201, 202, 204}, "forbidden": {403}, "hidden": {404}, "sign_in": {401}}


def outcome_is(response, outcome, codes, *, page):
    if outcome == "sign_in" and page:
        # Pages send a signed-out visitor to sign in (for any address, so nothing is revealed),
        # or refuse the form (403) where a guest can see the memorial but not act.
        return response.status_code in {302, 403} and (
            response.status_code == 403 or "/accounts/login/" in response["Location"]
        )
    if outcome == "ok" and page and response.status_code == 302:
        return "/accounts/login/" not in response["Location"]
    return response.status_code in codes[outcome]


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(PAGE_ACTIONS))
def test_pages_answer_each_role_as_the_rules_say(client, action, role, visibility):
    world = World(visibility)
    user = world.family.user(role)
    if user:
        client.force_login(user)
    response = PAGE_ACTIONS[action](client, world)
    want = expected(action, role, visibility)
    if want == "sign_in" and visibility == "private" and response.status_code == 404:
        want = "hidden"  # a private memorial may also simply not exist for a signed-out visitor
    assert outcome_is(response, want, PAGE_CODES, page=True), (action, role, visibility, response.status_code, want)
    if want != "ok" and action == "delete":
        assert Memorial.objects.filter(pk=world.memorial.pk).exists()


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(API_ACTIONS))
def test_the_api_answers_each_role_as_the_rules_say(action, role, visibility):
    world = World(visibility)
    client = APIClient()
    user = world.family.user(role)
    if user:
        client.force_authenticate(user)
    response = API_ACTIONS[action](client, world)
    want = expected(action, role, visibility)
    if want == "sign_in" and visibility == "private":
        want = "hidden" if response.status_code == 404 else want  # likewise through the API
    assert outcome_is(response, want, API_CODES, page=False), (action, role, visibility, response.status_code, want)
