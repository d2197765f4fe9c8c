"""Several paintings of one job, the most faithful kept: on the real pipeline with tiny random
weights, loaded through the same from_pretrained code production uses."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from generation import likeness, services, tasks
from generation.models import Artwork, ArtworkCandidate, Style
from generation.pipeline import loader, painter
from generation.pipeline.config import ModelConfig
from generation.worker import likeness as measuring
from generation.worker import rendering
from memorial import photos as photo_service
from tests.conftest import jpeg_upload

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def painting(settings, tiny_models):
    settings.ARTWORK_MODELS = tiny_models.artwork_models
    settings.ARTWORK_LONG_SIDE = 64
    return tiny_models


def portrait() -> Image.Image:
    """scikit-image's astronaut (public domain), cropped to her head and shoulders: at 128 pixels
    the face is still wide enough to compare, and the tiny pipeline paints it quickly."""
    from skimage import data

    return Image.fromarray(data.astronaut()).crop((120, 20, 320, 220))


def make_style(slug="watercolor", **fields):
    # No annotators: the tiny pipeline paints plain img2img, fast at any size.
    fields = {"steps": 4, "strength": 0.5, "openpose_scale": 0, "depth_scale": 0, "mlsd_scale": 0, **fields}
    return Style.objects.create(name=slug.title(), slug=slug, **fields)


def add_photo(memorial, by, upload):
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=upload, by=by)
    return photo


def test_the_choice_keeps_the_faithful_painting_among_the_pipelines(painting):
    """The tiny models paint noise: the photo itself, slipped among their paintings, is the one
    kept, wherever it stands (the choice is real and would fail if it chose by position)."""
    models = loader.get_models(ModelConfig.from_settings())
    photo = portrait().resize((128, 128))
    request = painter.PaintRequest(
        image=photo,
        prompt="a painting of a person",
        negative_prompt="",
        lora_name=None,
        lora_path=None,
        lora_scale=0.8,
        strength=0.5,
        steps=2,
        guidance_scale=7.0,
        control_scales=(0, 0, 0),
        seed=11,
        long_side=128,
        candidates=2,
        batch=2,
    )
    result = painter.paint(models, request)
    assert len(result.images) == 2 and result.parameters["seeds"] == [11, 12]
    assert all(image.size == (128, 128) for image in result.images)
    for position in range(3):
        candidates = list(result.images)
        candidates.insert(position, photo)
        best, measured = measuring.choose(photo, candidates)
        assert best == position
        assert measured[best]["state"] == likeness.KEPT


def test_a_style_paints_two_candidates_keeps_one_and_stores_both(painting, family, client):
    memorial = family.memorial("private", full_name="Kim Min-jun", language="en")
    photo = add_photo(memorial, family.owner, jpeg_upload(size=(96, 64)))
    style = make_style(candidates=2)
    job = services.request_artwork(photo=photo, style=style, by=family.contributor, seed=7)
    assert tasks.run_stylization(job.pk) == "succeeded"

    artwork = Artwork.objects.get(job=job)
    assert artwork.parameters["candidates"] == 2 and artwork.parameters["seeds"] == [7, 8]
    assert artwork.likeness_state == likeness.NO_FACE  # a plain photo: nothing to compare, nothing retried
    assert "likeness_retried" not in artwork.parameters
    (other,) = ArtworkCandidate.objects.filter(artwork=artwork)
    assert {artwork.seed, other.seed} == {7, 8}
    assert other.likeness_state == likeness.NO_FACE
    for name in (artwork.image.name, other.image.name, other.thumbnail.name):
        assert default_storage.exists(name)
    with default_storage.open(other.image.name) as handle:
        assert Image.open(handle).size == (artwork.width, artwork.height)
    sizes = default_storage.size(other.image.name) + default_storage.size(other.thumbnail.name)
    assert artwork.stored_bytes >= sizes  # counted in the memorial's storage

    # The family sees the other version; a manager shows it instead; the replaced one stays.
    client.force_login(family.viewer)
    page = client.get(artwork.get_absolute_url()).content.decode()
    image_url = reverse("generation:memorial_artwork_candidate_image", args=[memorial.slug, artwork.pk, other.pk])
    assert image_url in page
    assert "Show this one instead" not in page  # only managers choose
    assert client.get(image_url).status_code == 200
    choose = reverse("generation:memorial_artwork_candidate_choose", args=[memorial.slug, artwork.pk, other.pk])
    assert client.post(choose).status_code == 403

    shown_before, other_before = (artwork.image.name, artwork.seed), (other.image.name, other.seed)
    client.force_login(family.manager)
    assert "Show this one instead" in client.get(artwork.get_absolute_url()).content.decode()
    response = client.post(choose)
    assert response.status_code == 302
    artwork.refresh_from_db()
    other.refresh_from_db()
    assert (artwork.image.name, artwork.seed) == other_before
    assert (other.image.name, other.seed) == shown_before
    assert artwork.parameters["seed"] == artwork.seed

    # And back again through the API, which answers the artwork with its candidates.
    url = f"{API}/memorials/{memorial.slug}/artworks/{artwork.pk}/candidates/{other.pk}/choose/"
    body = client.post(url).json()
    assert body["candidates"][0]["id"] == other.pk and body["candidates"][0]["seed"] == other_before[1]
    assert body["likeness_state"] == "no_face"
    artwork.refresh_from_db()
    assert (artwork.image.name, artwork.seed) == shown_before

    # Someone outside the family sees neither the other versions nor their files.
    client.force_login(family.stranger)
    assert client.get(image_url).status_code == 404
    assert client.post(url).status_code == 404


def test_when_no_candidate_keeps_the_face_it_tries_once_more_gently_and_says_so(painting, family, settings, client):
    settings.ARTWORK_LONG_SIDE = 128
    memorial = family.memorial("private", full_name="Kim Min-jun", language="en")
    buffer = io.BytesIO()
    portrait().save(buffer, "JPEG", quality=92)
    photo = add_photo(memorial, family.owner, SimpleUploadedFile("a.jpg", buffer.getvalue(), "image/jpeg"))
    style = make_style(candidates=2, steps=4, strength=0.5)
    job = services.request_artwork(photo=photo, style=style, by=family.contributor, seed=3)
    assert tasks.run_stylization(job.pk) == "succeeded"

    artwork = Artwork.objects.get(job=job)
    # Random weights paint noise: the face is lost at the style's strength and at the gentler one.
    assert artwork.likeness_state == likeness.CHANGED
    assert artwork.parameters["likeness_retried"] is True
    assert artwork.parameters["retry_strength"] == pytest.approx(0.3)
    candidates = list(artwork.candidates.all())
    assert len(candidates) == 3  # two at 0.5 and two at 0.3, one of them shown
    assert {c.strength for c in candidates} | {artwork.parameters["strength"]} == {0.5, 0.3}
    assert all(not measuring.recognisable({"state": c.likeness_state}) for c in candidates)

    client.force_login(family.viewer)
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "The face could not be kept, even when painted again more gently" in page


def test_the_default_number_of_candidates_follows_the_device(settings):
    style = Style(name="Oil", slug="oil")
    settings.ARTWORK_CANDIDATES = 0
    assert rendering.candidate_count(style, "cpu") == 1
    assert rendering.candidate_count(style, "cuda") == 4
    settings.ARTWORK_CANDIDATES = 3
    assert rendering.candidate_count(style, "cpu") == 3
    style.candidates = 2
    assert rendering.candidate_count(style, "cuda") == 2
    assert rendering.gentler_strength(0.5, 4) == pytest.approx(0.3)
    assert rendering.gentler_strength(0.25, 4) is None  # one step already: nothing gentler to try
