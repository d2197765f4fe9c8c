"""From the web request to the stored artwork, with the real qcluster worker and the real
pipeline on tiny weights; and a worker killed in the middle of a painting."""

import contextlib
import io
import json
import re
import signal
import time

import pytest
import requests
from PIL import Image

from tests.processes import (
    PYTHON,
    free_port,
    manage,
    process_env,
    separate_database,
    start,
    stop,
    wait_for_http,
    wait_until_silent,
)
from tests.tiny_models import artwork_env

pytestmark = pytest.mark.live

SETUP = """
import io, json
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from accounts.models import User
from allauth.account.models import EmailAddress
from generation.models import Style
from memorial import photos, services
user = User.objects.create_user(email="family@example.com", password="a-long-and-kind-passphrase", display_name="Family")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
memorial = services.create_memorial(by=user, full_name="Kim Min-jun", language="en", visibility="private")
buffer = io.BytesIO(); Image.new("RGB", (96, 64), (120, 90, 60)).save(buffer, "JPEG")
photo, _ = photos.add_photo(album=memorial.albums.get(), upload=SimpleUploadedFile("p.jpg", buffer.getvalue()), by=user)
style = Style(name="Watercolor", slug="watercolor", steps=%(steps)d, strength=%(strength)s)
with open(%(lora)r, "rb") as handle:
    style.lora_file.save("watercolor.safetensors", File(handle), save=False)
style.save()
print(json.dumps({"photo": photo.pk}))
"""

REPORT = """
import json
from generation.models import Artwork, StylizationJob
print(json.dumps({"jobs": list(StylizationJob.objects.order_by("pk").values("pk", "status", "attempts", "error", "progress", "stage")),
                  "artworks": list(Artwork.objects.order_by("pk").values("job_id", "backend", "width", "height", "parameters"))}))
"""


def model_env(tiny_models, **extra):
    return {
        **artwork_env(tiny_models.paths),
        "ARTWORK_LONG_SIDE": "64",
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        **extra,
    }


def report(env):
    return json.loads(manage(env, "shell", "-c", REPORT).stdout.strip().splitlines()[-1])


def sign_in(base):
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = session.post(
        base + "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": "family@example.com", "password": "a-long-and-kind-passphrase"},
        headers={"Referer": base + "/accounts/login/"},
        timeout=30,
    )
    assert response.ok and "sessionid" in session.cookies
    return session


def ask_for_painting(session, base, photo_id):
    url = f"{base}/photos/{photo_id}/artwork/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url, timeout=30).text).group(1)
    response = session.post(
        url,
        data={"csrfmiddlewaretoken": token, "style": "watercolor"},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return int(re.search(r"/jobs/(\d+)/", response.headers["Location"]).group(1))


def wait_for_job(session, base, job_id, *, timeout=240, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = session.get(f"{base}/jobs/{job_id}/status.json", timeout=30).json()
        if status["finished"]:
            return status
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish: {status}\n{log.read_text()[-3000:] if log else ''}")


@contextlib.contextmanager
def site_with_a_photo(tmp_path, tiny_models, *, broker="orm", steps, strength, **extra):
    """The real web server and a real qcluster on a database of their own, a signed-in family
    member, and a photo with a watercolor style. Yields (session, base url, photo id, worker);
    `worker.restart()` starts a new qcluster after the old one was killed."""
    with separate_database(tmp_path) as database_url:
        env = process_env(
            database_url,
            redis=broker == "redis",
            media_root=tmp_path / "media",
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
            **{**model_env(tiny_models), **extra},
        )
        manage(env, "migrate", "--noinput")
        setup = SETUP % {"steps": steps, "strength": strength, "lora": tiny_models.loras["watercolor"]}
        photo_id = json.loads(manage(env, "shell", "-c", setup).stdout.strip().splitlines()[-1])["photo"]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        web = start([PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], env, tmp_path / "web.log")
        worker = Worker(env, tmp_path)
        try:
            wait_for_http(base + "/healthz/", proc=web, log=tmp_path / "web.log")
            yield sign_in(base), base, photo_id, worker
        finally:
            worker.stop()
            stop(web)
            worker.state = report(env)


class Worker:
    def __init__(self, env, tmp_path):
        self.env, self.tmp_path, self.runs, self.state = env, tmp_path, 0, None
        self.restart()

    def restart(self):
        self.runs += 1
        self.log = self.tmp_path / f"worker-{self.runs}.log"
        self.proc = start([PYTHON, "manage.py", "qcluster"], self.env, self.log)

    def stop(self, sig=signal.SIGINT):
        stop(self.proc, sig)


@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_a_painting_requested_on_the_site_is_made_by_the_worker(tmp_path, tiny_models, broker):
    with site_with_a_photo(tmp_path, tiny_models, broker=broker, steps=4, strength=0.5) as (
        session,
        base,
        photo_id,
        worker,
    ):
        first = ask_for_painting(session, base, photo_id)
        assert wait_for_job(session, base, first, log=worker.log)["status"] == "succeeded"
        second = ask_for_painting(session, base, photo_id)
        status = wait_for_job(session, base, second, log=worker.log)
        assert status["status"] == "succeeded"

        assert "Done" in session.get(f"{base}/jobs/{second}/", timeout=30).text
        artwork = session.get(base + status["artwork_url"], timeout=30).text
        image_url = re.search(r'src="(/m/[^"/]+/artworks/\d+/image.png)[^"]*"', artwork).group(1)
        image = Image.open(io.BytesIO(session.get(base + image_url, timeout=30).content))
        assert image.size == (64, 40)
    state = worker.state
    assert [a["backend"] for a in state["artworks"]] == ["diffusers:sd15-img2img-controlnet"] * 2
    # One worker process, two jobs, one load of the weights.
    assert [a["parameters"]["worker_weight_loads"] for a in state["artworks"]] == [1, 1]


def test_a_worker_killed_mid_painting_takes_its_job_back_when_restarted_and_leaves_one_artwork(tmp_path, tiny_models):
    # The silence after which any sweep takes a job back is longer than the test may wait: the
    # job comes back only because the restarted worker sees its dead predecessor's pid is gone.
    settings = {"JOB_HEARTBEAT_SECONDS": "1", "JOB_STALE_AFTER_SECONDS": "3600", "ARTWORK_LONG_SIDE": "64"}
    # Thirty small steps: long enough to be caught mid-painting (the poll sees every few percent),
    # short enough that painting it twice (before and after the kill) stays a small part of the suite.
    with site_with_a_photo(tmp_path, tiny_models, steps=30, strength=1.0, **settings) as (
        session,
        base,
        photo_id,
        worker,
    ):
        job_id = ask_for_painting(session, base, photo_id)
        deadline = time.monotonic() + 180
        while True:
            status = session.get(f"{base}/jobs/{job_id}/status.json", timeout=30).json()
            if status["stage"] == "painting" and status["progress"] > 11:
                break
            assert time.monotonic() < deadline and not status["finished"], status
            time.sleep(0.2)
        worker.stop(signal.SIGKILL)  # the whole worker, mid-painting
        assert session.get(f"{base}/jobs/{job_id}/status.json", timeout=30).json()["status"] == "running"

        wait_until_silent(worker.env["DATABASE_URL"], "generation_stylizationjob", job_id)
        worker.restart()
        status = wait_for_job(
            session,
            base,
            job_id,
            timeout=600,  # a liveness deadline: the restarted worker repaints on a loaded machine
            log=worker.log,
        )
    state = worker.state
    assert status["status"] == "succeeded", state
    assert len(state["artworks"]) == 1 and state["artworks"][0]["job_id"] == job_id
    assert state["jobs"][0]["attempts"] == 2
