"""How a painting was guided, when the built-in painter made it: there is nothing to show, and the
page says nothing of it. (The diffusion painter's control images: tests/pipeline/test_guidance.py.)"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_a_painting_by_the_built_in_painter_shows_no_guidance_to_the_family(client, family, artwork):
    client.force_login(family.viewer)
    page = client.get(artwork.get_absolute_url())
    assert page.status_code == 200 and "How it was guided" not in page.content.decode()
    for kind in ("pose", "depth", "lines"):
        url = reverse("generation:memorial_artwork_control", args=[artwork.memorial.slug, artwork.pk, kind])
        assert client.get(url).status_code == 404
    api = APIClient()
    api.force_authenticate(family.viewer)
    data = api.get(f"/api/v1/memorials/{artwork.memorial.slug}/artworks/{artwork.pk}/").json()
    assert data["guidance"] == []
