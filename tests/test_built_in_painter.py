"""Without diffusion weights, the built-in painter paints each style in its own medium, and the
person in the photo stays recognisable.

Measured on scikit-image's astronaut (a public-domain portrait that ships in the package), small
so the tests stay fast; bench/likeness.py measures the same at the site's painting size.
"""

import itertools

import numpy as np
import pytest
from PIL import Image
from skimage import data
from skimage.metrics import structural_similarity

from generation.defaults import DEFAULT_STYLES
from generation.worker import faces, painterly

SIZE = 256


@pytest.fixture(scope="module")
def astronaut():
    return Image.fromarray(data.astronaut())


@pytest.fixture(scope="module")
def paintings(astronaut):
    return {slug: painterly.paint(astronaut, long_side=SIZE, style=slug, seed=7) for slug in painterly.RECIPES}


def dissimilarity(a: Image.Image, b: Image.Image) -> float:
    grey = [np.asarray(image.convert("L"), dtype=np.float64) for image in (a, b)]
    return 1 - structural_similarity(*grey, data_range=255)


def test_every_default_style_has_its_own_medium():
    recipes = [painterly.recipe_for(style["slug"]).key for style in DEFAULT_STYLES]
    assert len(set(recipes)) == len(DEFAULT_STYLES)
    assert {"watercolor", "oil-painting", "ink-wash", "pencil"} <= set(recipes)


def test_a_style_the_site_adds_is_painted_in_the_medium_its_slug_names():
    assert painterly.recipe_for("oil-portrait-2").key == "oil-painting"
    assert painterly.recipe_for("sumukhwa-ink").key == "ink-wash"
    assert painterly.recipe_for("charcoal-sketch").key == "pencil"
    assert painterly.recipe_for("something-else").key == painterly.DEFAULT_RECIPE
    assert painterly.recipe_for("").key == painterly.DEFAULT_RECIPE


def test_each_built_in_style_paints_a_different_picture(paintings):
    for a, b in itertools.combinations(paintings, 2):
        assert dissimilarity(paintings[a], paintings[b]) >= 0.3, (a, b)


def test_a_painting_is_no_longer_the_photo(astronaut, paintings):
    photo = astronaut.resize((SIZE, SIZE), Image.LANCZOS)
    for slug, painting in paintings.items():
        assert painting.size == (SIZE, SIZE)
        assert dissimilarity(photo, painting) >= 0.35, slug


def test_the_face_stays_recognisable_in_every_style(astronaut, paintings):
    photo = np.asarray(astronaut.resize((SIZE, SIZE), Image.LANCZOS))
    (box,) = faces.find_faces(photo)
    mine = faces.describe(photo, box)
    for slug, painting in paintings.items():
        rgb = np.asarray(painting)
        found = faces.find_faces(rgb)
        assert found, f"{slug}: no face in the painting"
        nearest = min(faces.distance(mine, faces.describe(rgb, other)) for other in found)
        assert nearest < faces.SAME_PERSON, (slug, nearest)


def test_the_face_is_painted_gently_not_left_as_the_photo(astronaut):
    photo = np.asarray(astronaut.resize((SIZE, SIZE), Image.LANCZOS))
    (box,) = faces.find_faces(photo)
    gentle = painterly.paint_array(photo, style="oil-painting", seed=1)
    plain = painterly.paint_array(photo, style="oil-painting", seed=1, face_boxes=[])
    face = (slice(box.top, box.bottom), slice(box.left, box.right))
    photo_face, gentle_face, plain_face = (img[face].astype(float) for img in (photo, gentle, plain))
    # Closer to the photo than the full painting, and still not the photo.
    assert np.abs(gentle_face - photo_face).mean() < np.abs(plain_face - photo_face).mean()
    assert np.abs(gentle_face - photo_face).mean() > 4
    # Away from the face, the painting is the full one.
    corner = (slice(0, 30), slice(SIZE - 30, SIZE))
    assert np.array_equal(gentle[corner], plain[corner])


def test_the_painting_is_the_same_for_the_same_seed(astronaut):
    small = astronaut.resize((160, 160))
    for slug in painterly.RECIPES:
        first = painterly.paint(small, long_side=160, style=slug, seed=42)
        again = painterly.paint(small, long_side=160, style=slug, seed=42)
        other = painterly.paint(small, long_side=160, style=slug, seed=43)
        assert np.array_equal(np.asarray(first), np.asarray(again)), slug
        assert not np.array_equal(np.asarray(first), np.asarray(other)), slug


def test_a_photo_without_a_face_is_painted_too():
    rng = np.random.default_rng(0)
    landscape = np.clip(np.linspace(0, 255, 200)[None, :, None] + rng.normal(0, 20, (120, 200, 3)), 0, 255)
    photo = Image.fromarray(landscape.astype(np.uint8))
    for slug in painterly.RECIPES:
        painting = painterly.paint(photo, long_side=200, style=slug, seed=1)
        assert painting.size == (200, 120) and painting.mode == "RGB"


@pytest.mark.django_db
def test_a_family_asking_for_a_pencil_drawing_gets_one_labelled_as_the_built_in_painters(memorial, family):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from generation.defaults import ensure_default_styles
    from memorial import photos
    from tests.conftest import paint

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, "JPEG", quality=90)
    upload = SimpleUploadedFile("astronaut.jpg", buffer.getvalue(), content_type="image/jpeg")
    photo, _ = photos.add_photo(album=memorial.albums.get(), upload=upload, by=family.contributor)
    pencil = next(style for style in ensure_default_styles() if style.slug == "pencil")

    artwork = paint(photo, pencil, family.contributor)

    assert artwork.backend == painterly.BACKEND and artwork.is_filter  # not the AI painter
    assert artwork.parameters["recipe"] == "pencil" and artwork.parameters["seed"] == artwork.seed
    with artwork.image.open("rb") as handle:
        drawing = np.asarray(Image.open(handle).convert("RGB"), dtype=np.int16)
    # Graphite on paper: no colour left from the orange suit.
    assert np.abs(drawing[..., 0] - drawing[..., 2]).mean() < 12
