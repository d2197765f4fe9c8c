"""Does the painting still look like the person? Measured by the worker on every painting, told to
the family in a sentence on the artwork's page and given in the API.

The built-in painter paints here (no diffusion weights); the portrait is scikit-image's
``data.astronaut()`` (public domain), uploaded as a phone would send it.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from generation import likeness
from generation.worker import faces
from memorial import photos as photo_service
from tests.conftest import paint

pytestmark = pytest.mark.django_db

KEPT = "The face is kept: it still looks like the person in the photo."


def astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut())


def jpeg(image: Image.Image, name="portrait.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def upload(memorial, by, image):
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg(image), by=by)
    return photo


def api_artwork(client, artwork):
    url = reverse("generation_api:memorial-artwork-detail", args=[artwork.memorial.slug, artwork.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.json()


def test_the_family_reads_that_the_face_is_kept_on_the_page_and_in_the_api(client, family, memorial, style):
    photo = upload(memorial, family.contributor, astronaut())
    artwork = paint(photo, style, family.contributor)

    assert artwork.likeness_state == likeness.KEPT
    assert len(artwork.faces) == 1
    face = artwork.faces[0]
    assert face["found"] is True and 0 <= face["distance"] < faces.SAME_PERSON
    assert artwork.likeness == face["distance"]
    assert face["width"] >= faces.MIN_FACE_PX

    client.force_login(family.viewer)
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert KEPT in page
    assert str(artwork.likeness) not in page  # a sentence, not a number

    body = api_artwork(client, artwork)
    assert body["likeness_state"] == "kept"
    assert body["likeness_text"] == KEPT
    assert body["likeness"] == pytest.approx(face["distance"])
    assert body["faces"] == [{"box": face["box"], "width": face["width"], "found": True, "distance": face["distance"]}]
    assert body["candidates"] == []  # the built-in painter paints one


def test_the_sentence_is_in_the_readers_language(client, family, memorial, style):
    photo = upload(memorial, family.contributor, astronaut())
    artwork = paint(photo, style, family.contributor)
    client.force_login(family.viewer)
    body = client.get(
        reverse("generation_api:memorial-artwork-detail", args=[memorial.slug, artwork.pk]),
        HTTP_ACCEPT_LANGUAGE="ko",
    ).json()
    assert body["likeness_state"] == "kept"
    assert body["likeness_text"]  # translated by the lead; never empty in any language


def test_a_photo_without_a_face_is_painted_and_says_so(client, family, artwork):
    assert artwork.likeness_state == likeness.NO_FACE
    assert artwork.likeness is None and artwork.faces == []
    assert artwork.image  # painted anyway

    client.force_login(family.viewer)
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "No face was found in this photo, so likeness was not measured." in page
    body = api_artwork(client, artwork)
    assert body["likeness_state"] == "no_face" and body["likeness"] is None and body["faces"] == []


def test_guests_see_the_painting_without_the_familys_advice(client, family, memorial, style):
    from generation import services

    photo = upload(memorial, family.contributor, astronaut())
    artwork = paint(photo, style, family.contributor)
    services.publish_artwork(artwork=artwork, by=family.manager)
    page = client.get(artwork.get_absolute_url())
    assert page.status_code == 200
    assert KEPT not in page.content.decode()


def test_faces_too_small_to_compare_are_painted_and_say_so(client, family, memorial, style, settings):
    # A group photo seen from afar: the face is found in the photo, but in a 512-pixel painting
    # it is narrower than faces.MIN_FACE_PX.
    settings.ARTWORK_LONG_SIDE = 512
    wide = Image.new("RGB", (1024, 1024), (200, 196, 190))
    wide.paste(astronaut().resize((384, 384)), (300, 300))
    photo = upload(memorial, family.contributor, wide)
    artwork = paint(photo, style, family.contributor)

    assert artwork.likeness_state == likeness.TOO_SMALL
    assert artwork.likeness is None
    assert len(artwork.faces) == 1 and artwork.faces[0]["width"] < faces.MIN_FACE_PX
    assert artwork.faces[0]["distance"] is None

    client.force_login(family.viewer)
    assert "The faces are too small to compare" in client.get(artwork.get_absolute_url()).content.decode()
    assert api_artwork(client, artwork)["likeness_state"] == "too_small"


def test_a_painting_that_loses_the_face_is_told_to_try_a_gentler_style():
    from generation.worker import likeness as measuring

    photo = astronaut()
    lost = measuring.measure(photo, Image.new("RGB", photo.size, (128, 128, 128)))
    assert lost["state"] == likeness.CHANGED and lost["worst"] is None
    assert lost["faces"][0]["found"] is False
    assert likeness.sentence(lost["state"]) == "The face changed: try a gentler style."
    assert measuring.measure(photo, photo)["state"] == likeness.KEPT


def test_the_most_faithful_candidate_is_chosen():
    """The choice is real: the photo itself among paintings that lost the face wins wherever it
    stands, and with no faithful one the choice says none is recognisable."""
    from generation.worker import likeness as measuring

    photo = astronaut()
    blank = Image.new("RGB", photo.size, (128, 128, 128))
    blurred = photo.resize((64, 64)).resize(photo.size)
    for position in range(3):
        candidates = [blank, blurred]
        candidates.insert(position, photo)
        best, measured = measuring.choose(photo, candidates)
        assert best == position
        assert measured[best]["state"] == likeness.KEPT and measured[best]["worst"] < 0.05
    best, measured = measuring.choose(photo, [blank, blurred])
    assert not any(measuring.recognisable(m) for m in measured)
