"""A link to a memorial or a painting, shared in KakaoTalk, unfolds into a preview: read back as
a crawler reads it (the og tags parsed from the HTML, the og:image fetched without cookies and
opened with Pillow), with the face inside the central 2:1 band KakaoTalk keeps of the card."""

from __future__ import annotations

import datetime
import io
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageDraw

from generation import services as artwork_services
from generation.models import Artwork, JobStatus, StylizationJob
from memorial import photos as photo_service
from memorial import services

pytestmark = pytest.mark.django_db

CARD = (1200, 630)
KAKAO_BAND = (0, 15, 1200, 615)  # the central 2:1 of the card
MAGENTA = (255, 0, 255)
# scikit-image's astronaut (a public-domain portrait, 512×512): her face, as dlib's detector finds it.
ASTRONAUT_FACE = (175, 76, 265, 166)


def astronaut() -> Image.Image:
    try:
        from skimage import data
    except ImportError:  # the worker's extras are not installed: a drawn portrait, the face where hers is
        image = Image.new("RGB", (512, 512), (40, 50, 70))
        draw = ImageDraw.Draw(image)
        draw.rectangle((120, 180, 330, 512), fill=(230, 230, 235))
        draw.ellipse(ASTRONAUT_FACE, fill=(225, 180, 150))
        return image
    return Image.fromarray(data.astronaut())


def portrait_with_face_low() -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A tall photo (700×1800) with the astronaut at its bottom: the middle and the upper third
    both miss her face. Its face box is outlined in magenta, to find it again in the card."""
    canvas = Image.new("RGB", (700, 1800), (120, 140, 160))
    canvas.paste(astronaut(), (94, 1250))
    left, top, right, bottom = ASTRONAUT_FACE
    face = (left + 94, top + 1250, right + 94, bottom + 1250)
    ImageDraw.Draw(canvas).rectangle(face, outline=MAGENTA, width=6)
    return canvas, face


def outlined_astronaut() -> Image.Image:
    image = astronaut()
    ImageDraw.Draw(image).rectangle(ASTRONAUT_FACE, outline=MAGENTA, width=6)
    return image


def jpeg(image: Image.Image, name="portrait.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def png(image: Image.Image) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="painting.png")


def add_photo(memorial, by, image, name="portrait.jpg"):
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg(image, name), by=by)
    return photo


def painting_of(photo, style, by, *, image: Image.Image, face, published=True) -> Artwork:
    """A painting as the worker records one: its image, and the faces its likeness check found
    (boxes in the painting's pixels), here half the photo's size."""
    job = artwork_services.request_artwork(photo=photo, style=style, by=by)
    StylizationJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    painted = image.resize((image.width // 2, image.height // 2))
    box = [round(value / 2) for value in face]
    return Artwork.objects.create(
        job=job,
        photo=photo,
        memorial=photo.album.memorial,
        style=style,
        image=png(painted),
        width=painted.width,
        height=painted.height,
        seed=1,
        backend="filter:painterly",
        likeness_state="kept",
        likeness=0.3,
        faces=[{"box": box, "width": box[2] - box[0], "found": True, "distance": 0.3}],
        published=published,
    )


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            attrs = dict(attrs)
            key = attrs.get("property") or attrs.get("name")
            if key and (key.startswith("og:") or key.startswith("twitter:")):
                self.tags.setdefault(key, attrs.get("content", ""))


def crawl(url: str) -> dict[str, str]:
    """The page as a crawler fetches it: no cookies, no language."""
    response = Client().get(url)
    assert response.status_code == 200
    parser = Tags()
    parser.feed(response.content.decode())
    return parser.tags


def fetch_card(tags) -> Image.Image:
    image_url = tags["og:image"]
    assert image_url.startswith(settings.SITE_URL + "/")
    parts = urlsplit(image_url)
    response = Client().get(parts.path, {"v": parts.query.removeprefix("v=")})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG"
    return image


def outline_in(card: Image.Image) -> tuple[int, int, int, int] | None:
    """Where the magenta outline of the face is on the card (its bounding box)."""
    rgb = card.convert("RGB")
    mask = Image.eval(rgb.getchannel("R"), lambda v: 255 if v > 190 else 0)
    green = Image.eval(rgb.getchannel("G"), lambda v: 255 if v < 90 else 0)
    blue = Image.eval(rgb.getchannel("B"), lambda v: 255 if v > 190 else 0)
    both = Image.composite(mask, Image.new("L", rgb.size, 0), green)
    both = Image.composite(both, Image.new("L", rgb.size, 0), blue)
    return both.getbbox()


def assert_face_inside_the_band(card: Image.Image, face_size: tuple[int, int]):
    assert card.size == CARD
    found = outline_in(card)
    assert found is not None, "the face is not on the card"
    left, top, right, bottom = found
    band_left, band_top, band_right, band_bottom = KAKAO_BAND
    assert band_left <= left and right <= band_right and band_top <= top and bottom <= band_bottom, found
    # Whole, not cut at an edge: the outline keeps the face's proportions.
    width, height = right - left, bottom - top
    assert abs(width / height - face_size[0] / face_size[1]) < 0.15


@pytest.fixture
def recent_korean_memorial(family):
    return family.memorial(
        "public",
        full_name="홍길동",
        language="ko",
        born_on=datetime.date(1940, 5, 1),
        died_on=timezone.localdate() - datetime.timedelta(days=2),
    )


def test_a_shared_memorial_link_unfolds_into_a_card_with_the_face_in_frame(
    client, family, style, recent_korean_memorial
):
    memorial = recent_korean_memorial
    image, face = portrait_with_face_low()
    cover = add_photo(memorial, family.owner, image)
    services.update_memorial(memorial=memorial, cover_photo=cover)
    # The painter's likeness check found her face when it painted the photo: the card keeps it in frame.
    painting_of(cover, style, family.owner, image=image, face=face)

    tags = crawl(memorial.get_absolute_url())

    assert tags["og:title"] == "故 홍길동님을 기억하며"
    assert "1940" in tags["og:description"]
    assert tags["og:url"] == settings.SITE_URL + memorial.get_absolute_url()
    assert tags["og:locale"] == "ko_KR" and tags["og:site_name"] == settings.SITE_NAME
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:alt"] == "故 홍길동님의 사진"
    assert tags["twitter:card"] == "summary_large_image"
    card = fetch_card(tags)
    assert_face_inside_the_band(card, (face[2] - face[0], face[3] - face[1]))


def test_a_portrait_with_no_known_face_is_framed_on_its_upper_third(family, recent_korean_memorial):
    memorial = recent_korean_memorial
    cover = add_photo(memorial, family.owner, outlined_astronaut())
    services.update_memorial(memorial=memorial, cover_photo=cover)

    card = fetch_card(crawl(memorial.get_absolute_url()))

    left, top, right, bottom = ASTRONAUT_FACE
    assert_face_inside_the_band(card, (right - left, bottom - top))


def test_a_published_painting_link_unfolds_into_its_own_card(family, style, recent_korean_memorial):
    memorial = recent_korean_memorial
    image, face = portrait_with_face_low()
    photo = add_photo(memorial, family.owner, image)
    artwork = painting_of(photo, style, family.owner, image=image, face=face)

    tags = crawl(artwork.get_absolute_url())

    assert tags["og:title"] == "故 홍길동님을 그린 그림"
    assert tags["og:url"] == settings.SITE_URL + artwork.get_absolute_url()
    assert tags["og:image:alt"] == "故 홍길동님을 그린 그림"
    assert memorial.slug in unquote(tags["og:image"])
    card = fetch_card(tags)
    assert_face_inside_the_band(card, (face[2] - face[0], face[3] - face[1]))


def test_an_unpublished_painting_has_no_preview_and_no_card(client, family, style, recent_korean_memorial):
    image, face = portrait_with_face_low()
    photo = add_photo(recent_korean_memorial, family.owner, image)
    artwork = painting_of(photo, style, family.owner, image=image, face=face, published=False)
    client.force_login(family.owner)
    html = client.get(artwork.get_absolute_url()).content.decode()
    assert "og:image" not in html and "og:title" not in html
    card_path = artwork.get_absolute_url() + "preview.jpg"
    assert client.get(card_path).status_code == 404
    assert Client().get(card_path).status_code == 404


def test_a_private_memorial_shows_no_preview(client, family):
    memorial = family.memorial("private", full_name="이순신")
    cover = add_photo(memorial, family.owner, outlined_astronaut())
    services.update_memorial(memorial=memorial, cover_photo=cover)
    client.force_login(family.viewer)
    response = client.get(memorial.get_absolute_url())
    parser = Tags()
    parser.feed(response.content.decode())
    assert parser.tags == {"og:site_name": settings.SITE_NAME}
    card_path = memorial.get_absolute_url() + "preview.jpg"
    assert client.get(card_path).status_code == 404  # not even to a member: crawlers get nothing
    assert Client().get(card_path).status_code == 404
    assert (
        not default_storage.exists(f"previews/{memorial.pk}")
        or not default_storage.listdir(f"previews/{memorial.pk}")[1]
    )


def test_an_unlisted_memorial_preview_card_is_not_reachable_by_id(family, style):
    unlisted = family.memorial("unlisted", full_name="박철수", language="en")
    public = family.memorial("public", full_name="김영희")
    image, face = portrait_with_face_low()
    cover = add_photo(unlisted, family.owner, image)
    services.update_memorial(memorial=unlisted, cover_photo=cover)
    artwork = painting_of(cover, style, family.owner, image=image, face=face)

    tags = crawl(unlisted.get_absolute_url())
    assert unlisted.slug in unquote(tags["og:image"])  # only under its secret address
    assert tags["og:locale"] == "en_US" and tags["og:title"] == "In memory of 박철수"
    assert fetch_card(tags).size == CARD
    crawler = Client()
    # By id alone, or under another memorial's address: nothing.
    assert crawler.get(f"/photos/{cover.pk}/screen.jpg").status_code == 404
    assert crawler.get(f"/artworks/{artwork.pk}/preview.jpg").status_code == 404
    assert crawler.get(f"/m/{public.slug}/artworks/{artwork.pk}/preview.jpg").status_code == 404
    assert crawler.get(f"/m/{public.slug}/preview.jpg").status_code == 404  # public has no cover: no card
    assert crawler.get(f"/m/{unlisted.slug}/artworks/{artwork.pk}/preview.jpg").status_code == 200


def test_a_new_cover_photo_makes_a_new_card(family, recent_korean_memorial):
    memorial = recent_korean_memorial
    first = add_photo(memorial, family.owner, outlined_astronaut(), "one.jpg")
    services.update_memorial(memorial=memorial, cover_photo=first)
    before = crawl(memorial.get_absolute_url())["og:image"]
    fetch_card({"og:image": before})
    image, _ = portrait_with_face_low()
    second = add_photo(memorial, family.owner, image, "two.jpg")
    services.update_memorial(memorial=memorial, cover_photo=second)

    after = crawl(memorial.get_absolute_url())["og:image"]

    assert after != before  # crawlers keep cards by address: a new one for a new photo
    fetch_card({"og:image": after})
    assert len(default_storage.listdir(f"previews/{memorial.pk}")[1]) == 1  # the old card is gone


def test_the_share_button_words_the_message_for_kakaotalk(family):
    recent = family.memorial(
        "public", full_name="홍길동", language="ko", died_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    long_ago = family.memorial("public", full_name="김영희", language="ko", died_on=datetime.date(2001, 3, 4))
    english = family.memorial("unlisted", full_name="Jane Park", language="en", died_on=datetime.date(2001, 3, 4))
    guest = Client()

    assert 'data-share-text="[부고] 故 홍길동님께서 별세하셨기에 삼가 알려드립니다."' in (
        guest.get(recent.get_absolute_url()).content.decode()
    )
    html = guest.get(long_ago.get_absolute_url()).content.decode()
    assert "김영희님을 기억하는 공간입니다" in html and "[부고]" not in html
    html = guest.get(english.get_absolute_url()).content.decode()
    assert 'data-share-text="A place to remember Jane Park.' in html
    assert f'data-share-url="{settings.SITE_URL}{english.get_absolute_url()}"' in html


def test_a_memorial_destroyed_takes_its_cards_with_it(
    family, recent_korean_memorial, django_capture_on_commit_callbacks
):
    memorial = recent_korean_memorial
    cover = add_photo(memorial, family.owner, outlined_astronaut())
    services.update_memorial(memorial=memorial, cover_photo=cover)
    fetch_card(crawl(memorial.get_absolute_url()))
    folder = f"previews/{memorial.pk}"
    assert default_storage.listdir(folder)[1]

    with django_capture_on_commit_callbacks(execute=True):
        memorial.delete()

    assert not default_storage.listdir(folder)[1]
