"""A manager downloads all the memories of a memorial as one zip, made in the background.

The page records the export; the worker's function (memorial.tasks.build_export) is
called directly, as django-q2 would call it. The painting is made for real by the painterly
filter and its words are spoken for real by espeak-ng.
"""

import datetime
import hashlib
import io
import json
import re
import time
import zipfile
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from core import work
from core.tasks import take_back_stale_work
from generation import services as artwork_services
from generation import tasks
from generation.models import Artwork, Narration, Style, StylizationJob, TributeText
from memorial import export as exporting
from memorial import photos as photo_service
from memorial import services
from memorial import tasks as export_tasks
from memorial.models import Condolence, MemorialExport, Offering
from tests.conftest import jpeg_upload

pytestmark = pytest.mark.django_db

SAFE_NAME = re.compile(
    r"^(README\.txt|memorial\.json|index\.html|(originals|photos)/photo-\d+\.[a-z0-9]{1,8}|artworks/artwork-\d+\.png|narrations/artwork-\d+\.[a-z0-9]{1,8})$"
)
COLOURS = [(200, 40, 40), (40, 160, 60), (30, 60, 200)]


@pytest.fixture
def style(db):
    return Style.objects.create(name="Watercolor", slug="watercolor", description="Soft washes of colour")


@pytest.fixture
def memorial(family):
    memorial = family.memorial(
        "private",
        full_name="김순자",
        name_other_script="Kim Soon-ja",
        language="ko",
        born_on=datetime.date(1942, 1, 1),
        born_precision="year",
        died_on=datetime.date(2024, 2, 11),
        place="전주",
        life_story="손맛 좋은 **김치**로 온 동네에 이름난 분이셨습니다.\n\n<script>alert('x')</script>",
    )
    services.add_timeline_event(
        memorial=memorial,
        kind="married",
        happened_on=datetime.date(1965, 5, 1),
        precision="month",
        title="결혼",
        description="전주에서",
    )
    return memorial


def add_photos(memorial, by, *, captions=("바닷가에서", "../../etc/passwd <b>x</b>", "")):
    album = memorial.albums.get()
    uploads = [jpeg_upload(f"p{n}.jpg", size=(96, 64), color=colour) for n, colour in enumerate(COLOURS)]
    made = []
    for upload, caption in zip(uploads, captions, strict=False):
        photo, _ = photo_service.add_photo(album=album, upload=upload, by=by, caption=caption)
        made.append((photo, upload))
    return made


@pytest.fixture
def full_memorial(memorial, family, style):
    """Three photos (one with a hostile caption), one hidden; a painting with words and a voice;
    three condolences (published, pending, rejected); a candle and two flowers."""
    made = add_photos(memorial, family.contributor)
    hidden, _ = photo_service.add_photo(
        album=memorial.albums.get(), upload=jpeg_upload("h.jpg", color=(1, 1, 1)), by=family.owner
    )
    photo_service.set_hidden(photo=hidden, hidden=True, by=family.manager)
    job = artwork_services.request_artwork(photo=made[0][0], style=style, by=family.contributor)
    assert tasks.run_stylization(job.pk) == "succeeded"
    Condolence.objects.create(memorial=memorial, guest_name="이웃 박씨", message="편히 쉬세요.")
    Condolence.objects.create(memorial=memorial, guest_name="Pending Person", message="waiting", status="pending")
    Condolence.objects.create(memorial=memorial, guest_name="Spammer", message="buy now", status="rejected")
    today = timezone.localdate()
    Offering.objects.create(memorial=memorial, kind="candle", visitor_key="a", day=today)
    Offering.objects.create(memorial=memorial, kind="flower", visitor_key="a", day=today)
    Offering.objects.create(memorial=memorial, kind="flower", visitor_key="b", day=today)
    return {"photos": made, "hidden": hidden, "artwork": Artwork.objects.get(job=job)}


@pytest.fixture
def other_memorial(family):
    other = family.memorial("public", full_name="Someone Else")
    for n in range(2):
        photo_service.add_photo(
            album=other.albums.get(), upload=jpeg_upload(f"o{n}.jpg", color=(9, 99 + n, 199)), by=family.owner
        )
    return other


def export_page(memorial):
    return reverse("memorial:export", args=[memorial.slug])


def built_export(memorial, by):
    export = exporting.request_export(memorial=memorial, by=by)
    assert export_tasks.build_export(export.pk) == "succeeded"
    export.refresh_from_db()
    return export


class Resources(HTMLParser):
    """Every address index.html uses or links to."""

    def __init__(self):
        super().__init__()
        self.addresses = []
        self.images = 0
        self.audios = 0

    def handle_starttag(self, tag, attrs):
        self.images += tag == "img"
        self.audios += tag == "audio"
        for name, value in attrs:
            if name in {"src", "href", "poster", "srcset", "data", "action"} and value is not None:
                self.addresses.append((tag, name, value))


def test_a_manager_downloads_all_memories_of_the_memorial(
    client, family, memorial, full_memorial, other_memorial, django_capture_on_commit_callbacks
):
    client.force_login(family.manager)
    assert client.get(export_page(memorial)).status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(export_page(memorial))
    assert response.status_code == 302 and response["Location"] == export_page(memorial)
    export = MemorialExport.objects.get()
    assert export.status == "queued" and export.requested_by == family.manager and len(callbacks) == 1

    page = client.get(export_page(memorial)).content.decode()
    assert (
        reverse("memorial:export_status", args=[export.pk]) in page and "<progress" in page and "js/export.js" in page
    )
    status = client.get(reverse("memorial:export_status", args=[export.pk])).json()
    assert status["status"] == "queued" and status["download_url"] is None and not status["finished"]

    assert export_tasks.build_export(export.pk) == "succeeded"
    assert export_tasks.build_export(export.pk).startswith("not claimed")  # delivered twice: packed once
    export.refresh_from_db()
    assert export.status == "succeeded" and export.progress == 100 and export.size > 0
    assert export.file.name.startswith(f"exports/{memorial.pk}/") and export.file.name.endswith(".zip")
    assert export.expires_at - export.finished_at == datetime.timedelta(hours=48)

    status = client.get(reverse("memorial:export_status", args=[export.pk])).json()
    assert status["finished"] and status["download_url"] == reverse("memorial:export_download", args=[export.pk])
    assert status["download_url"] in client.get(export_page(memorial)).content.decode()

    response = client.get(status["download_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;") and ".zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert all(SAFE_NAME.match(name) for name in names), names

    # The originals, byte for byte; the hidden photo is left out.
    for photo, upload in full_memorial["photos"]:
        upload.seek(0)
        assert archive.read(f"originals/photo-{photo.pk}.jpg") == upload.read()
        assert archive.getinfo(f"originals/photo-{photo.pk}.jpg").compress_type == zipfile.ZIP_STORED
        assert f"photos/photo-{photo.pk}.jpg" in names
    hidden = full_memorial["hidden"]
    assert not any(f"photo-{hidden.pk}." in name for name in names)

    # The painting, its words and its voice.
    artwork = full_memorial["artwork"]
    png = archive.read(f"artworks/artwork-{artwork.pk}.png")
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (artwork.width, artwork.height)
    mp3 = archive.read(f"narrations/artwork-{artwork.pk}.mp3")
    with artwork.tribute.narration.audio.open("rb") as stored:
        assert mp3 == stored.read() and len(mp3) > 1000
    assert archive.getinfo(f"narrations/artwork-{artwork.pk}.mp3").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("memorial.json").compress_type == zipfile.ZIP_DEFLATED

    data = json.loads(archive.read("memorial.json"))
    m = data["memorial"]
    assert (m["full_name"], m["name_other_script"], m["place"]) == ("김순자", "Kim Soon-ja", "전주")
    assert (
        m["born"] == {"date": "1942-01-01", "precision": "year", "display": "1942"}
        and m["died"]["date"] == "2024-02-11"
    )
    assert "**김치**" in m["life_story"]["markdown"]
    assert "<strong>김치</strong>" in m["life_story"]["html"] and "<script>" not in m["life_story"]["html"]
    assert [(e["kind"], e["title"], e["date"]) for e in data["timeline"]] == [("married", "결혼", "1965-05-01")]
    photos = data["albums"][0]["photos"]
    assert [p["caption"] for p in photos] == ["바닷가에서", "../../etc/passwd <b>x</b>", ""]
    assert photos[0]["original"] == f"originals/photo-{full_memorial['photos'][0][0].pk}.jpg"
    assert photos[0]["original_name"] == "p0.jpg"
    assert [(c["name"], c["message"]) for c in data["condolences"]] == [("이웃 박씨", "편히 쉬세요.")]
    assert data["condolences"][0]["created_at"]
    assert data["offerings"] == {"candle": 1, "flower": 2, "incense": 0}
    (art,) = data["artworks"]
    assert art["style"]["name"] == "Watercolor" and art["backend"] == "filter:painterly" and art["painterly_filter"]
    assert "built-in painter, a filter, not AI" in art["made_by"]
    assert art["tribute"]["text"] == artwork.tribute.text and "김순자" in art["tribute"]["text"]
    assert art["narration"]["file"] == f"narrations/artwork-{artwork.pk}.mp3" and art["narration"]["duration_s"] > 0.5
    assert art["image"] == f"artworks/artwork-{artwork.pk}.png"
    assert data["left_out"] == {"hidden_photos": 1, "artworks_of_hidden_photos": 0, "condolences_not_published": 2}

    readme = archive.read("README.txt").decode()
    assert "검토자가 숨긴 사진 1장" in readme and "게시되지 않은 추모 글 2개" in readme  # in the memorial's language

    # The offline page: everything it uses is in the zip, nothing is fetched from anywhere.
    index = archive.read("index.html").decode()
    assert "http://" not in index and "https://" not in index and "//" not in index.replace("<!DOCTYPE html>", "")
    parser = Resources()
    parser.feed(index)
    assert parser.images == 3 + 1 and parser.audios == 1  # three photos and one painting
    for tag, attribute, address in parser.addresses:
        assert address in names, (tag, attribute, address)
    assert "<strong>김치</strong>" in index and "<script>alert" not in index
    assert "&lt;b&gt;x&lt;/b&gt;" in index and "<b>x</b>" not in index
    assert "편히 쉬세요." in index and "buy now" not in index and "waiting" not in index
    assert escape(artwork.tribute.text) in index and "Kim Soon-ja" in index and "결혼" in index

    # Another memorial's files never appear.
    others = set()
    for photo in other_memorial.albums.get().photos.all():
        for field in (photo.original, photo.screen):
            with field.open("rb") as f:
                others.add(hashlib.sha256(f.read()).hexdigest())
    assert others and not others & {hashlib.sha256(archive.read(name)).hexdigest() for name in names}
    assert "Someone Else" not in index


@pytest.mark.parametrize("who, code", [("contributor", 403), ("viewer", 403), ("stranger", 404)])
def test_only_managers_and_the_owner_may_download(client, family, memorial, full_memorial, who, code):
    export = built_export(memorial, family.owner)
    client.force_login(family.user(who))
    assert client.get(export_page(memorial)).status_code == code
    assert client.post(export_page(memorial)).status_code == code
    assert client.get(reverse("memorial:export_status", args=[export.pk])).status_code == code
    assert client.get(reverse("memorial:export_download", args=[export.pk])).status_code == code
    assert MemorialExport.objects.count() == 1
    client.force_login(family.owner)
    assert client.get(reverse("memorial:export_download", args=[export.pk])).status_code == 200


def test_a_signed_out_visitor_is_sent_to_sign_in(client, family, memorial):
    public = family.memorial("public", full_name="Public Memorial")
    response = client.get(export_page(public))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # A private memorial does not exist for a signed-out visitor: no invitation to sign in.
    assert client.get(export_page(memorial)).status_code == 404


def test_an_expired_link_says_so_and_the_clean_up_deletes_the_zip(
    client, family, memorial, full_memorial, django_capture_on_commit_callbacks
):
    export = built_export(memorial, family.manager)
    name = export.file.name
    assert default_storage.exists(name) and not exporting.expired_exports().exists()
    MemorialExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(family.manager)
    response = client.get(reverse("memorial:export_download", args=[export.pk]))
    assert response.status_code == 410
    assert "This download link has expired" in response.content.decode()
    assert client.get(reverse("memorial:export_status", args=[export.pk])).json()["expired"] is True

    assert list(exporting.expired_exports()) == [export]
    assert export_tasks.clean_up_exports() == {"deleted": 1}
    assert not default_storage.exists(name) and not exporting.expired_exports().exists()
    export.refresh_from_db()
    assert export.file.name == "" and export.status == "succeeded"  # the record stays, as history
    assert client.get(reverse("memorial:export_download", args=[export.pk])).status_code == 410


def test_the_time_to_live_is_a_setting(family, memorial, settings):
    settings.EXPORT_TTL_HOURS = 2
    export = built_export(memorial, family.owner)
    assert export.expires_at - export.finished_at == datetime.timedelta(hours=2)


def test_asking_again_while_one_is_packed_returns_that_one(family, memorial):
    first = exporting.request_export(memorial=memorial, by=family.manager)
    assert exporting.request_export(memorial=memorial, by=family.owner) == first
    export_tasks.build_export(first.pk)
    assert exporting.request_export(memorial=memorial, by=family.owner) != first


def test_an_export_whose_worker_died_is_failed_with_a_reason(family, memorial, settings):
    settings.JOB_MAX_ATTEMPTS = 1  # (with more, it is packed again first: tests/test_background_work.py)
    export = exporting.request_export(memorial=memorial, by=family.manager)
    work.claim(MemorialExport, export.pk)
    assert take_back_stale_work()["export"]["failed"] == []  # a living worker keeps it
    MemorialExport.objects.filter(pk=export.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    assert take_back_stale_work()["export"]["failed"] == [export.pk]
    export.refresh_from_db()
    assert export.status == "failed" and "ask for a new one" in export.error
    assert exporting.request_export(memorial=memorial, by=family.manager) != export


def test_a_failure_is_recorded_and_a_missing_file_does_not_cost_the_rest(family, memorial, full_memorial, monkeypatch):
    photo, _ = full_memorial["photos"][1]
    photo.original.storage.delete(photo.original.name)
    export = built_export(memorial, family.manager)
    with export.file.open("rb") as f:
        archive = zipfile.ZipFile(io.BytesIO(f.read()))
    assert f"originals/photo-{photo.pk}.jpg" not in archive.namelist()
    assert f"originals/photo-{photo.pk}.jpg" in archive.read("README.txt").decode()
    data = json.loads(archive.read("memorial.json"))
    assert data["missing_files"] == [f"originals/photo-{photo.pk}.jpg"]

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exporting, "_write_text", broken)
    second = exporting.request_export(memorial=memorial, by=family.manager)
    with pytest.raises(OSError):
        export_tasks.build_export(second.pk)
    second.refresh_from_db()
    assert second.status == "failed" and "disk full" in second.error and not second.file


def test_progress_is_written_at_most_a_few_times_a_second(family, memorial):
    export = work.claim(MemorialExport, exporting.request_export(memorial=memorial, by=family.manager).pk)
    now = [0.0]
    progress = exporting.ProgressWriter(export, total=1000, clock=lambda: now[0])
    for step in range(1000):  # a thousand files within one second
        now[0] = step / 1000
        progress.advance()
    assert 1 <= progress.writes <= work.PROGRESS_WRITES_PER_SECOND + 1
    assert 0 < MemorialExport.objects.get().progress < 100


def test_destroying_the_memorial_deletes_its_zips(family, memorial, django_capture_on_commit_callbacks):
    export = built_export(memorial, family.owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.destroy_memorial(memorial=memorial)
    assert not default_storage.exists(export.file.name)


def test_the_members_page_links_to_the_download(client, family, memorial):
    client.force_login(family.manager)
    assert export_page(memorial) in client.get(reverse("memorial:members", args=[memorial.slug])).content.decode()


# --- A large memorial ----------------------------------------------------------------------------


def tiny_png(n: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)).save(buffer, "PNG")
    return buffer.getvalue()


def make_large_memorial(family, *, photos=50, artworks=10):
    """A memorial with many photos and paintings; the paintings are written as records directly
    (with one real recording, copied) so the test stays fast."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from generation.worker import tribute

    memorial = family.memorial("private", full_name="이순자", life_story="많은 사진을 남기셨습니다.")
    album = memorial.albums.get()
    made = []
    for n in range(photos):
        upload = SimpleUploadedFile(f"tiny-{n}.png", tiny_png(n), content_type="image/png")
        made.append(photo_service.add_photo(album=album, upload=upload, by=family.owner, caption=f"사진 {n}")[0])
    style = Style.objects.get_or_create(slug="oil", defaults={"name": "Oil"})[0]
    spoken = tribute.speak("In loving memory.", "en")
    for n, photo in enumerate(made[:artworks]):
        job = StylizationJob.objects.create(
            photo=photo,
            memorial=memorial,
            style=style,
            requested_by=family.owner,
            status="succeeded",
            seed=n,
            backend="filter:painterly",
            progress=100,
        )
        buffer = io.BytesIO()
        Image.new("RGB", (32, 24), (n * 20, 90, 160)).save(buffer, "PNG")
        image = default_storage.save(f"artworks/{memorial.pk}/large-{n}.png", ContentFile(buffer.getvalue()))
        artwork = Artwork.objects.create(
            job=job,
            photo=photo,
            memorial=memorial,
            style=style,
            image=image,
            width=32,
            height=24,
            seed=n,
            backend="filter:painterly",
        )
        text = TributeText.objects.create(
            artwork=artwork, language="en", text=f"Painting number {n}.", writer="builtin"
        )
        audio = default_storage.save(f"narrations/{memorial.pk}/large-{n}.mp3", ContentFile(spoken.data))
        Narration.objects.create(
            tribute=text,
            audio=audio,
            duration_s=spoken.duration_s,
            sample_rate=spoken.sample_rate,
            engine=spoken.engine,
            language="en",
        )
    return memorial


def test_a_large_memorial_is_packed_file_by_file(family, django_assert_max_num_queries):
    memorial = make_large_memorial(family)
    export = work.claim(MemorialExport, exporting.request_export(memorial=memorial, by=family.owner).pk)
    started = time.monotonic()
    with django_assert_max_num_queries(40):  # a fixed number of reads, and a few progress writes
        assert exporting.build_export(export) is not None
    assert time.monotonic() - started < 15
    export.refresh_from_db()
    with export.file.open("rb") as f:
        archive = zipfile.ZipFile(io.BytesIO(f.read()))
    names = archive.namelist()
    assert sum(name.startswith("originals/") for name in names) == 50
    assert sum(name.startswith("photos/") for name in names) == 50
    assert sum(name.startswith("artworks/") for name in names) == 10
    assert sum(name.startswith("narrations/") for name in names) == 10
    data = json.loads(archive.read("memorial.json"))
    assert len(data["albums"][0]["photos"]) == 50 and len(data["artworks"]) == 10
    first = data["albums"][0]["photos"][0]
    assert first["caption"] == "사진 0" and archive.read(first["original"]) == tiny_png(0)
