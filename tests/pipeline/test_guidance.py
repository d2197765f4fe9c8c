"""The face in the pose: OpenPose reads the face (and the hands) so the face's shape guides the
painting, and the three control images are kept with the artwork for the family to see. On the
tiny random-weight models, through the worker's own function."""

import io

import pytest
from django.core.files import File
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from generation import services, tasks
from generation.models import Artwork, Style
from generation.pipeline import loader
from generation.pipeline.config import ModelConfig
from tests.conftest import add_photo

pytestmark = pytest.mark.django_db

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@pytest.fixture
def painting(settings, tiny_models):
    settings.ARTWORK_MODELS = tiny_models.artwork_models
    settings.ARTWORK_LONG_SIDE = 64
    return tiny_models


def make_style(slug, lora_path=None, **fields):
    style = Style(name=slug.title(), slug=slug, steps=4, strength=0.5, **fields)
    if lora_path is not None:
        with open(lora_path, "rb") as handle:
            style.lora_file.save(f"{slug}.safetensors", File(handle), save=False)
    style.save()
    return style


@pytest.fixture
def asked_openpose(painting, monkeypatch):
    """What the loaded OpenPose detector is asked to find, each time it runs (it still runs)."""
    detector = loader.get_models(ModelConfig.from_settings()).annotators["openpose"]
    real = detector.detect_poses
    asked = []

    def detect_poses(image, include_hand=False, include_face=False):
        asked.append({"hand": include_hand, "face": include_face})
        return real(image, include_hand, include_face)

    monkeypatch.setattr(detector, "detect_poses", detect_poses)
    return asked


def api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def control_url(artwork, kind):
    return reverse("generation:memorial_artwork_control", args=[artwork.memorial.slug, artwork.pk, kind])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_pose_is_read_with_the_face_and_the_family_sees_how_the_painting_was_guided(
    painting, asked_openpose, client, family
):
    memorial = family.memorial("public")
    photo = add_photo(memorial, family.contributor, size=(96, 64))
    style = make_style("watercolor", painting.loras["watercolor"])
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    assert tasks.run_stylization(job.pk) == "succeeded"
    artwork = Artwork.objects.get(job=job)

    assert asked_openpose == [{"hand": True, "face": True}]  # the face's shape guides the painting
    assert artwork.parameters["openpose_parts"] == {"body": True, "face": True, "hand": True}
    files = {kind: getattr(artwork, f"control_{kind}") for kind in ("pose", "depth", "lines")}
    for field in files.values():
        with field.open("rb") as handle:
            stored = Image.open(handle)
            assert stored.format == "PNG" and stored.size == (artwork.width, artwork.height)
    sizes = [f.size for f in (artwork.image, artwork.thumbnail, *files.values())]
    assert artwork.stored_bytes == sum(sizes)  # counted in the memorial's storage

    # The family: a section on the page, the three images served, and the same in the API.
    client.force_login(family.viewer)
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "How it was guided" in page
    for kind, field in files.items():
        url = control_url(artwork, kind)
        assert url.endswith(f"/artworks/{artwork.pk}/control/{kind}.png") and url in page
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        with field.open("rb") as handle:
            assert body(response) == handle.read()
        assert "private" in response["Cache-Control"]
    guidance = api(family.viewer).get(f"/api/v1/memorials/{memorial.slug}/artworks/{artwork.pk}/").json()["guidance"]
    assert [item["kind"] for item in guidance] == ["pose", "depth", "lines"]
    assert guidance[0]["url"] == "http://testserver" + control_url(artwork, "pose")

    # Published on a public memorial: guests see the painting, not how it was made.
    services.publish_artwork(artwork=artwork, by=family.manager, published=True)
    for who in (None, family.stranger):
        client.logout()
        if who is not None:
            client.force_login(who)
        page = client.get(artwork.get_absolute_url())
        assert page.status_code == 200 and "How it was guided" not in page.content.decode()
        for kind in files:
            assert client.get(control_url(artwork, kind)).status_code == 404
        seen = api(who).get(f"/api/v1/memorials/{memorial.slug}/artworks/{artwork.pk}/").json()
        assert seen["guidance"] is None

    # And the file says a trained model painted it.
    with artwork.image.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert image.text["Digital Source Type"] == TRAINED and "AI" in image.text["Source"]


def test_a_control_the_style_switches_off_is_neither_run_nor_kept(painting, asked_openpose, client, family):
    memorial = family.memorial("private")
    photo = add_photo(memorial, family.contributor, size=(96, 64))
    style = make_style("ink", openpose_scale=0.0)
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    assert tasks.run_stylization(job.pk) == "succeeded"
    artwork = Artwork.objects.get(job=job)
    assert asked_openpose == [] and artwork.parameters["openpose_parts"] is None
    assert not artwork.control_pose and artwork.control_depth and artwork.control_lines
    client.force_login(family.owner)
    assert client.get(control_url(artwork, "pose")).status_code == 404
    assert client.get(control_url(artwork, "depth")).status_code == 200
    assert client.get(control_url(artwork, "anything")).status_code == 404
