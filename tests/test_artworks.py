"""A family asks for a painting of a photo and gets it back with words and a voice.

No diffusion weights are configured here, so the painterly filter paints (and says so);
the worker's function is called directly. Tests with the real pipeline on tiny models are
in tests/pipeline/.
"""

import datetime
import http.server
import json
import os
import threading

import pytest
from django.urls import reverse
from django.utils import timezone

from core import tasks as core_tasks
from core import work
from generation import services, tasks
from generation.models import Artwork, Narration, Style, StylizationJob
from generation.worker import webhook
from generation.worker.progress import JobProgress
from memorial import photos as photo_service
from tests.conftest import jpeg_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def style(db):
    return Style.objects.create(name="Watercolor", slug="watercolor", description="Soft washes of colour")


@pytest.fixture
def memorial(family):
    return family.memorial(
        "public", full_name="김순자", born_on=datetime.date(1942, 1, 1), born_precision="year", language="ko"
    )


@pytest.fixture
def photo(memorial, family):
    photo, _ = photo_service.add_photo(
        album=memorial.albums.get(), upload=jpeg_upload(size=(300, 200)), by=family.contributor, caption="바닷가에서"
    )
    return photo


def ask(client, user, photo, style):
    client.force_login(user)
    return client.post(reverse("generation:request", args=[photo.pk]), {"style": style.slug})


def test_a_member_gets_a_painting_with_words_and_a_voice(
    client, family, photo, style, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = ask(client, family.contributor, photo, style)
    job = StylizationJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == "queued" and len(callbacks) == 1  # queued once, after the commit

    assert tasks.run_stylization(job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.status, job.progress, job.stage) == ("succeeded", 100, "done")
    artwork = job.artwork
    assert max(artwork.width, artwork.height) == 768 and artwork.width % 8 == 0 and artwork.height % 8 == 0
    assert abs(artwork.width / artwork.height - 1.5) < 0.02  # the photo's aspect
    assert artwork.backend == "filter:painterly"
    assert "김순자" in artwork.tribute.text and artwork.tribute.language == "ko"
    narration = artwork.tribute.narration
    assert narration.duration_s > 0.5 and narration.sample_rate > 8000 and narration.engine == "espeak-ng"

    status = client.get(reverse("generation:job_status", args=[job.pk])).json()
    assert status["status"] == "succeeded" and status["artwork_url"] == artwork.get_absolute_url()
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "built-in painter, a filter, not AI" in page  # never silently: the page says what made it
    assert reverse("generation:narration_audio", args=[artwork.pk]) in page
    image = client.get(reverse("generation:artwork_image", args=[artwork.pk]))
    assert image["Content-Type"] == "image/png"
    audio = client.get(reverse("generation:narration_audio", args=[artwork.pk]))
    assert audio["Content-Type"] == "audio/mpeg"


def test_running_a_job_twice_makes_one_artwork(photo, style, family):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    tasks.run_stylization(job.pk)
    assert tasks.run_stylization(job.pk).startswith("not claimed")
    assert Artwork.objects.count() == 1


def test_a_viewer_cannot_ask_for_a_painting_and_a_stranger_does_not_see_the_job(client, family, photo, style):
    assert ask(client, family.viewer, photo, style).status_code == 403
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    client.force_login(family.stranger)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("generation:job_status", args=[job.pk])).status_code == 404


def test_a_retired_style_is_not_offered(client, family, photo, style):
    style.is_active = False
    style.save()
    assert ask(client, family.contributor, photo, style).status_code == 400
    assert not StylizationJob.objects.exists()


def test_a_new_artwork_is_for_the_family_until_a_manager_publishes_it(client, family, photo, style, memorial):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    tasks.run_stylization(job.pk)
    artwork = Artwork.objects.get()
    client.logout()
    assert client.get(artwork.get_absolute_url()).status_code == 404
    assert "Paintings" not in client.get(memorial.get_absolute_url()).content.decode()

    client.force_login(family.contributor)
    assert client.post(reverse("generation:artwork_publish", args=[artwork.pk])).status_code == 403
    client.force_login(family.manager)
    client.post(reverse("generation:artwork_publish", args=[artwork.pk]))
    client.logout()
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "Paintings" in page and "Painterly filter" in page and "Watercolor" in page
    assert client.get(artwork.get_absolute_url()).status_code == 200

    client.force_login(family.manager)
    client.post(reverse("generation:artwork_delete", args=[artwork.pk]))
    assert Artwork.objects.get().deleted_at is not None  # in the bin (tests/test_bin.py)
    client.logout()
    assert "Paintings" not in client.get(memorial.get_absolute_url()).content.decode()


def test_galleries_show_a_small_jpeg_of_each_painting_and_the_page_the_painting_itself(
    client, family, photo, style, memorial, settings
):
    from io import BytesIO

    from PIL import Image

    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    tasks.run_stylization(job.pk)
    artwork = Artwork.objects.get()
    thumb_url = reverse("generation:memorial_artwork_thumbnail", args=[memorial.slug, artwork.pk])
    client.logout()
    assert client.get(thumb_url).status_code == 404  # not published yet: the family's only

    client.force_login(family.manager)
    client.post(reverse("generation:artwork_publish", args=[artwork.pk]))
    client.logout()
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert (
        f'src="{thumb_url}"' in page
        and reverse("generation:memorial_artwork_image", args=[memorial.slug, artwork.pk]) not in page
    )
    response = client.get(thumb_url)
    data = b"".join(response.streaming_content)
    thumb = Image.open(BytesIO(data))
    painting = Image.open(artwork.image.open("rb"))
    assert response["Content-Type"] == "image/jpeg" and thumb.format == "JPEG"
    assert max(thumb.size) == settings.PHOTO_THUMB_SIZE < max(painting.size) == 768
    assert abs(thumb.width / thumb.height - painting.width / painting.height) < 0.02
    # The artwork's own page shows the painting itself.
    assert (
        reverse("generation:memorial_artwork_image", args=[memorial.slug, artwork.pk])
        in client.get(artwork.get_absolute_url()).content.decode()
    )

    # A painting made before galleries had thumbnails shows the painting.
    Artwork.objects.filter(pk=artwork.pk).update(thumbnail="")
    client.force_login(family.viewer)  # (a guest's process would see it within a second)
    older = client.get(thumb_url)
    assert older.status_code == 200 and older["Content-Type"] == "image/png"


def test_a_member_cancels_a_queued_job_and_the_worker_leaves_it(client, family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    client.force_login(family.contributor)
    client.post(reverse("generation:job_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert tasks.run_stylization(job.pk).startswith("not claimed")
    assert not Artwork.objects.exists()


def test_a_running_job_cancelled_stops_before_storing_anything(family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    claimed = work.claim(StylizationJob, job.pk)
    services.cancel_job(job=job)
    progress = JobProgress(claimed)
    progress.stage("painting")
    assert progress.should_stop()


def test_a_photo_missing_from_storage_fails_the_job_with_a_reason(family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    photo.screen.storage.delete(photo.screen.name)
    with pytest.raises(FileNotFoundError):
        tasks.run_stylization(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "missing from storage" in job.error
    # Another job goes on.
    other, _ = photo_service.add_photo(album=photo.album, upload=jpeg_upload(color=(1, 2, 3)), by=family.owner)
    second = services.request_artwork(photo=other, style=style, by=family.contributor)
    assert tasks.run_stylization(second.pk) == "succeeded"


def test_a_job_whose_worker_died_is_queued_again_then_failed_after_the_last_attempt(family, photo, style, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    for attempt in (1, 2):
        assert work.claim(StylizationJob, job.pk) is not None
        StylizationJob.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
        requeued, failed = work.take_back(StylizationJob)
        job.refresh_from_db()
        if attempt == 1:
            assert requeued == [job.pk] and job.status == "queued"
        else:
            assert failed == [job.pk] and job.status == "failed"
            assert "stopped while working on this photo 2 times" in job.error


def test_a_slow_but_living_worker_keeps_its_job(family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    work.claim(StylizationJob, job.pk)
    assert work.take_back(StylizationJob) == ([], [])
    assert StylizationJob.objects.get().status == "running"


def test_a_job_of_a_dead_process_on_this_machine_is_taken_back_after_two_missed_beats(family, photo, style, settings):
    import socket
    import subprocess
    import sys

    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_STALE_AFTER_SECONDS = 10, 120
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    here = socket.gethostname()
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    work.claim(StylizationJob, job.pk)

    def beats_ago(seconds):
        return timezone.now() - datetime.timedelta(seconds=seconds)

    # Its process is gone but it beat 5 s ago: it may be a worker of another container; wait.
    StylizationJob.objects.filter(pk=job.pk).update(worker=f"{here}:{gone}", heartbeat_at=beats_ago(5))
    assert work.take_back(StylizationJob) == ([], [])
    # Two beats missed, no such process here: taken back now, not after two minutes.
    StylizationJob.objects.filter(pk=job.pk).update(heartbeat_at=beats_ago(25))
    assert work.take_back(StylizationJob) == ([job.pk], [])

    # A living process (this one) or another machine's worker keeps its job until JOB_STALE_AFTER.
    for worker in (f"{here}:{os.getpid()}", f"another-machine:{gone}"):
        work.claim(StylizationJob, job.pk)
        StylizationJob.objects.filter(pk=job.pk).update(worker=worker, heartbeat_at=beats_ago(25))
        assert work.take_back(StylizationJob) == ([], []), worker
        StylizationJob.objects.filter(pk=job.pk).update(status="queued")


def test_a_worker_starting_takes_back_the_jobs_of_dead_workers_and_sends_them_again(family, photo, style, monkeypatch):
    import socket

    from django_q.signals import post_spawn

    sent = []
    monkeypatch.setattr(work, "enqueue", lambda kind, pk: sent.append(pk))
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    work.claim(StylizationJob, job.pk)
    StylizationJob.objects.filter(pk=job.pk).update(
        worker=f"{socket.gethostname()}:999999999", heartbeat_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    post_spawn.send(sender="django_q", proc_name="Process-1")  # what django-q2 sends as a worker starts
    job.refresh_from_db()
    assert job.status == "queued" and sent == [job.pk]


def test_progress_is_written_at_most_a_few_times_a_second(family, photo, style):
    job = work.claim(StylizationJob, services.request_artwork(photo=photo, style=style, by=family.contributor).pk)
    now = [0.0]
    progress = JobProgress(job, clock=lambda: now[0])
    for step in range(100):  # a hundred steps within one second
        now[0] = step / 100
        progress.step("painting", step / 100)
    assert progress.writes <= work.PROGRESS_WRITES_PER_SECOND + 1
    assert 10 <= StylizationJob.objects.get().progress <= 85


def test_the_words_can_be_edited_and_are_spoken_again(client, family, photo, style, django_capture_on_commit_callbacks):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    tasks.run_stylization(job.pk)
    artwork = Artwork.objects.get()
    old_audio = artwork.tribute.narration.audio.name
    client.force_login(family.manager)
    text = "<script>alert('x')</script> 늘 웃으시던 어머니, 보고 싶습니다."
    with django_capture_on_commit_callbacks():
        client.post(reverse("generation:artwork_words", args=[artwork.pk]), {"text": text})
    artwork.tribute.refresh_from_db()
    assert artwork.tribute.text == text and artwork.tribute.edited_by == family.manager
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page

    assert tasks.renarrate(artwork.tribute.pk, artwork.tribute.edited_at.isoformat()) == "spoken"
    narration = Narration.objects.get()
    assert narration.audio.name != old_audio and narration.duration_s > 1

    response = client.post(reverse("generation:artwork_words", args=[artwork.pk]), {"text": "가" * 10_000})
    assert response.status_code == 400
    artwork.tribute.refresh_from_db()
    assert artwork.tribute.text == text


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server():
    _Hook.received = []
    _Hook.status = 200
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook
    server.shutdown()


def test_a_finished_job_is_posted_to_the_webhook_signed(family, photo, style, settings, hook_server):
    url, hook = hook_server
    settings.ARTWORK_WEBHOOK_URL, settings.ARTWORK_WEBHOOK_SECRET, settings.ARTWORK_WEBHOOK_ALLOW_PRIVATE = (
        url,
        "s3cret",
        True,
    )
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    tasks.run_stylization(job.pk)
    assert webhook.deliver(job.pk) == "delivered on attempt 1"
    headers, body = hook.received[0]
    assert headers["X-Memoria-Signature"] == webhook.sign(body, "s3cret")
    data = json.loads(body)
    assert data["job"]["status"] == "succeeded" and data["tribute"]["text"] and data["narration"]["audio_url"]


def test_a_failing_webhook_is_retried_later_and_never_holds_up_the_job(family, photo, style, settings, hook_server):
    from django_q.models import Schedule

    url, hook = hook_server
    hook.status = 500
    settings.ARTWORK_WEBHOOK_URL, settings.ARTWORK_WEBHOOK_ALLOW_PRIVATE = url, True
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    assert tasks.run_stylization(job.pk) == "succeeded"
    assert "next in" in webhook.deliver(job.pk)
    assert Schedule.objects.filter(func="generation.tasks.deliver_webhook", args=f"({job.pk}, 2)").exists()


def test_a_webhook_pointing_at_a_private_address_is_refused(settings):
    settings.ARTWORK_WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:9/x", "http://10.0.0.5/x", "http://[::1]/x", "ftp://example.org/x"):
        with pytest.raises(webhook.WebhookRefused):
            webhook.check_url(url)


def test_a_queued_job_whose_message_was_lost_is_sent_again(
    family, photo, style, settings, django_capture_on_commit_callbacks
):
    from django_q.brokers import get_broker

    broker = get_broker()  # the ORM broker, or Redis in the scale-out configuration
    settings.JOB_RESEND_AFTER_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    broker.purge_queue()  # a worker took the message and was killed before claiming the job
    assert core_tasks.take_back_stale_work()["painting"]["resent"] == []  # not yet: it may just be waiting its turn
    StylizationJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - datetime.timedelta(minutes=5))
    assert core_tasks.take_back_stale_work()["painting"]["resent"] == [job.pk]
    assert broker.queue_size() == 1
    broker.purge_queue()
    assert tasks.run_stylization(job.pk) == "succeeded"
    assert tasks.run_stylization(job.pk).startswith("not claimed")  # the old message, if it turns up


def test_a_cancel_that_arrives_while_the_words_are_spoken_stores_nothing(family, photo, style, monkeypatch):
    from generation.worker import tribute

    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    real_speak = tribute.speak

    def speak_then_cancel(text, language):
        audio = real_speak(text, language)
        services.cancel_job(job=job)  # the member presses Cancel during the last stage
        return audio

    monkeypatch.setattr(tribute, "speak", speak_then_cancel)
    assert tasks.run_stylization(job.pk).startswith("not finished")
    job.refresh_from_db()
    assert job.status == "cancelled" and not Artwork.objects.exists()
