"""Every painting says inside its file what it is, so the label survives being sent on and printed:
IPTC's digital source type in XMP, and PNG text with the site, the memorial, the source photo,
the style and the date. Read back with Pillow from the downloaded file and from the export zip."""

import io
import xml.etree.ElementTree as ET
import zipfile
from email.utils import parsedate_to_datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from generation.models import Artwork
from memorial import tasks as export_tasks
from memorial.models import MemorialExport
from tests.conftest import add_photo, paint

pytestmark = pytest.mark.django_db

ALGORITHMIC = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
}


def xmp_of(image: Image.Image) -> dict:
    """What the XMP packet says: the IPTC digital source type, the title, the description, the source."""
    raw = image.info["xmp"]
    root = ET.fromstring(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    description = root.find(".//rdf:Description", NS)
    return {
        "source_type": description.get(f"{{{NS['Iptc4xmpExt']}}}DigitalSourceType"),
        "title": description.find("dc:title/rdf:Alt/rdf:li", NS).text,
        "description": description.find("dc:description/rdf:Alt/rdf:li", NS).text,
        "source": description.find("dc:source", NS).text,
    }


def downloaded(client, artwork) -> bytes:
    response = client.get(artwork.file_url("image") + "?download=1")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def test_a_downloaded_painting_says_inside_it_what_made_it_for_whom_and_from_which_photo(
    client, family, public_memorial, style
):
    photo = add_photo(public_memorial, family.contributor, caption="바닷가에서")
    artwork = paint(photo, style, family.contributor)  # the built-in painter: no weights here
    client.force_login(family.viewer)
    image = Image.open(io.BytesIO(downloaded(client, artwork)))

    text = image.text
    assert text["Digital Source Type"] == ALGORITHMIC
    assert text["Memorial"] == "김영희"  # UTF-8 iTXt: the Korean name survives
    assert "김영희" in text["Title"] and "Watercolor" in text["Title"]
    assert text["Style"] == "Watercolor"
    assert text["Source photo"] == f"Photo {photo.pk}: 바닷가에서"
    assert "Memoria" in text["Site"] and "Memoria" in text["Author"]
    assert text["Memorial URL"].endswith(public_memorial.get_absolute_url())  # public: its address is no secret
    assert "not AI" in text["Source"] and "not AI" in text["Comment"]
    assert abs(parsedate_to_datetime(text["Creation Time"]) - artwork.created_at).total_seconds() < 60
    assert "filter:painterly" in text["Software"]

    xmp = xmp_of(image)
    assert xmp["source_type"] == ALGORITHMIC
    assert "김영희" in xmp["title"] and xmp["source"] == f"Photo {photo.pk}: 바닷가에서"
    assert "김영희" in xmp["description"]

    thumbnail = client.get(artwork.file_url("thumbnail"))
    small = Image.open(io.BytesIO(b"".join(thumbnail.streaming_content)))
    assert small.format == "JPEG" and xmp_of(small)["source_type"] == ALGORITHMIC


def test_a_painting_of_an_unlisted_memorial_does_not_carry_its_secret_address(client, family, unlisted_memorial, style):
    artwork = paint(add_photo(unlisted_memorial, family.contributor), style, family.contributor)
    client.force_login(family.owner)
    data = downloaded(client, artwork)
    image = Image.open(io.BytesIO(data))
    assert "Memorial URL" not in image.text and image.text["Memorial"] == "박철수"
    assert unlisted_memorial.slug.encode() not in data
    assert xmp_of(image)["source"] == f"Photo {artwork.photo_id}"  # no caption: the photo's number


def test_the_download_of_everything_keeps_each_paintings_label(client, family, private_memorial, style):
    artwork = paint(add_photo(private_memorial, family.contributor, caption="가족 사진"), style, family.contributor)
    client.force_login(family.manager)
    client.post(reverse("memorial:export", args=[private_memorial.slug]))
    export = MemorialExport.objects.get()
    assert export_tasks.build_export(export.pk) == "succeeded"
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    packed = archive.read(f"artworks/artwork-{artwork.pk}.png")
    with artwork.image.open("rb") as handle:
        assert packed == handle.read()  # byte for byte: nothing stripped
    image = Image.open(io.BytesIO(packed))
    assert image.text["Memorial"] == "이순신" and image.text["Source photo"] == f"Photo {artwork.photo_id}: 가족 사진"
    assert "Memorial URL" not in image.text  # a private memorial's address is for its family
    assert xmp_of(image)["source_type"] == ALGORITHMIC


def test_a_painting_stored_before_labels_gets_its_label_and_keeps_its_picture(
    client, family, public_memorial, style, django_capture_on_commit_callbacks
):
    artwork = paint(add_photo(public_memorial, family.contributor), style, family.contributor)
    with artwork.image.open("rb") as handle:
        picture = Image.open(io.BytesIO(handle.read())).convert("RGB")
    plain = io.BytesIO()
    picture.save(plain, "PNG")  # as paintings were stored before: no label
    old_name = artwork.image.name
    artwork.image.storage.delete(old_name)
    artwork.image.storage.save(old_name, ContentFile(plain.getvalue()))
    Artwork.objects.filter(pk=artwork.pk).update(stored_bytes=len(plain.getvalue()) + artwork.thumbnail.size)

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("label_artworks", stdout=out)
    assert "Labelled 1 painting(s); 0 already had their label; 0 failed." in out.getvalue()
    artwork.refresh_from_db()
    assert artwork.image.name != old_name and not artwork.image.storage.exists(old_name)
    client.force_login(family.viewer)
    image = Image.open(io.BytesIO(downloaded(client, artwork)))
    assert image.text["Digital Source Type"] == ALGORITHMIC and image.text["Memorial"] == "김영희"
    assert image.convert("RGB").tobytes() == picture.tobytes()  # the same picture
    assert artwork.stored_bytes == artwork.image.size + artwork.thumbnail.size

    out = io.StringIO()
    call_command("label_artworks", stdout=out)
    assert "Labelled 0 painting(s); 1 already had their label" in out.getvalue()
