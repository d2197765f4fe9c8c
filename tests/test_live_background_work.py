"""A real `manage.py qcluster` killed (SIGKILL) in the middle of a download of all memories and
in the middle of a training run: the restarted worker takes its predecessor's work back as it
starts (core.work.take_back_at_start: claimed on this machine by a process that is gone, silent
for two heartbeats) and finishes it; nothing stays "running". The painting's twin is in
tests/pipeline/test_live_worker.py.

The silence after which any sweep takes work back (JOB_STALE_AFTER_SECONDS) is longer than the
tests may wait: the work comes back only because the restarted worker sees the dead pid.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
import zipfile
from pathlib import Path

import pytest

from tests.pipeline.conftest import tiny_models  # noqa: F401  (the session fixture of the tiny weights)
from tests.processes import PYTHON, manage, process_env, query, separate_database, start, stop, wait_until_silent

pytestmark = pytest.mark.live

LIFECYCLE = {"JOB_HEARTBEAT_SECONDS": "1", "JOB_STALE_AFTER_SECONDS": "3600", "JOB_MAX_ATTEMPTS": "3"}


class Worker:
    """One qcluster; `kill()` is a power loss, `restart()` what systemd does next."""

    def __init__(self, env, tmp_path: Path):
        self.env, self.tmp_path, self.runs = env, tmp_path, 0
        self.restart()

    def restart(self):
        self.runs += 1
        self.log = self.tmp_path / f"worker-{self.runs}.log"
        self.proc = start([PYTHON, "manage.py", "qcluster"], self.env, self.log)

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        stop(self.proc)

    def logs(self) -> str:
        return "\n".join(
            f"--- worker {n}\n{(self.tmp_path / f'worker-{n}.log').read_text()[-3000:]}"
            for n in range(1, self.runs + 1)
        )


@contextlib.contextmanager
def site(tmp_path: Path, **extra):
    with separate_database(tmp_path) as database_url:
        env = process_env(
            database_url,
            redis=bool(os.environ.get("REDIS_URL")),  # the broker of the configuration under test
            media_root=tmp_path / "media",
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
            **LIFECYCLE,
            **extra,
        )
        manage(env, "migrate", "--noinput")
        yield database_url, env


def record(database_url: str, table: str, pk: int, columns: str) -> dict:
    names = [name.strip() for name in columns.split(",")]
    (row,) = query(database_url, f"SELECT {columns} FROM {table} WHERE id = {int(pk)}")
    return dict(zip(names, row, strict=True))


def wait_for(condition, *, timeout: float, what: str, worker: Worker):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s\n{worker.logs()}"
        time.sleep(0.1)


def shell(env, script: str) -> dict:
    return json.loads(manage(env, "shell", "-c", script).stdout.strip().splitlines()[-1])


EXPORT_SETUP = """
import io, json
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from accounts.models import User
from memorial import photos, services
owner = User.objects.create_user(email="owner@example.com", display_name="Owner")
memorial = services.create_memorial(by=owner, full_name="김순자", language="ko", visibility="private")
added = []
for n in range(3):
    buffer = io.BytesIO(); Image.new("RGB", (96, 64), (40 * n, 90, 60)).save(buffer, "JPEG")
    photo, _ = photos.add_photo(album=memorial.albums.get(), upload=SimpleUploadedFile(f"p{n}.jpg", buffer.getvalue()), by=owner)
    added.append(photo)
print(json.dumps({"photo": added[0].pk, "original": added[0].original.path}))
"""

ASK_FOR_EXPORT = """
import json
from accounts.models import User
from memorial import export
from memorial.models import Memorial
print(json.dumps({"export": export.request_export(memorial=Memorial.objects.get(), by=User.objects.get()).pk}))
"""


def test_a_worker_killed_mid_export_leaves_a_download_the_next_worker_finishes(tmp_path):
    with site(tmp_path) as (database_url, env):
        made = shell(env, EXPORT_SETUP)
        # The storage is slow to give the first photo (a named pipe nobody writes to yet): the
        # worker waits there, in the middle of packing, still beating.
        original = Path(made["original"])
        content = original.read_bytes()
        original.unlink()
        os.mkfifo(original)
        worker = Worker(env, tmp_path)
        try:
            export_id = shell(env, ASK_FOR_EXPORT)["export"]
            state = lambda: record(database_url, "memorial_memorialexport", export_id, "status, attempts, error")  # noqa: E731
            wait_for(lambda: state()["status"] == "running", timeout=60, what="the export is claimed", worker=worker)
            worker.kill()
            assert state() == {"status": "running", "attempts": 1, "error": ""}

            original.unlink()
            original.write_bytes(content)  # the storage answers again
            wait_until_silent(database_url, "memorial_memorialexport", export_id)
            worker.restart()
            ended = wait_for(
                lambda: state()["status"] in {"succeeded", "failed"} and state(),
                timeout=120,
                what="the export ends",
                worker=worker,
            )
        finally:
            worker.stop()
        assert ended == {"status": "succeeded", "attempts": 2, "error": ""}, worker.logs()
        name = record(database_url, "memorial_memorialexport", export_id, "file")["file"]
        with zipfile.ZipFile(io.BytesIO((tmp_path / "media" / name).read_bytes())) as archive:
            assert archive.read(f"originals/photo-{made['photo']}.jpg") == content
        assert query(database_url, "SELECT COUNT(*) FROM memorial_memorialexport WHERE status = 'running'") == [(0,)]


TRAINING_SETUP = """
import json
from generation.training import service
run = service.create_run(name="Circles", dataset_path=%(dataset)r, rank=4, max_steps=%(steps)d, resolution=16,
                         batch_size=2, optimizer="adamw", seed=0, checkpoint_every=10)
service.enqueue(run.pk)
print(json.dumps({"run": run.pk, "output": run.output_dir}))
"""


def test_a_worker_killed_mid_training_leaves_a_run_the_next_worker_continues_from_its_checkpoint(
    tmp_path,
    tiny_models,  # noqa: F811  (the fixture imported above)
):
    from tests.tiny_models import artwork_env
    from tests.training.test_trainer import make_dataset

    steps = 120
    dataset = make_dataset(tmp_path / "dataset", n=4)
    with site(tmp_path, **artwork_env(tiny_models.paths), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1") as (
        database_url,
        env,
    ):
        worker = Worker(env, tmp_path)
        try:
            run_id = shell(env, TRAINING_SETUP % {"dataset": str(dataset), "steps": steps})["run"]
            columns = "status, attempts, step, total_steps, resume, error"
            state = lambda: record(database_url, "generation_trainingrun", run_id, columns)  # noqa: E731
            wait_for(
                lambda: state()["status"] == "running" and state()["step"] >= 20,
                timeout=120,
                what="the run passes its second checkpoint",
                worker=worker,
            )
            worker.kill()
            killed = state()
            assert killed["status"] == "running" and 20 <= killed["step"] < steps, killed

            wait_until_silent(database_url, "generation_trainingrun", run_id)
            worker.restart()
            wait_for(
                lambda: state()["status"] in {"succeeded", "failed", "cancelled"},
                timeout=180,
                what="the run ends",
                worker=worker,
            )
        finally:
            worker.stop()
        ended = record(database_url, "generation_trainingrun", run_id, columns + ", notes, output_dir, losses")
        assert (ended["status"], ended["error"], ended["attempts"]) == ("succeeded", "", 2), worker.logs()
        assert bool(ended["resume"]) and ended["step"] == ended["total_steps"] == steps
        # It went on from a checkpoint: the trainer says when it found none to go on from.
        notes = ended["notes"] if isinstance(ended["notes"], list) else json.loads(ended["notes"])
        assert not any("no checkpoint" in note for note in notes), notes
        losses = ended["losses"] if isinstance(ended["losses"], list) else json.loads(ended["losses"])
        assert len(losses) == steps
        assert query(database_url, "SELECT COUNT(*) FROM generation_style WHERE name = 'Circles'") == [(1,)]
        assert query(database_url, "SELECT COUNT(*) FROM generation_trainingrun WHERE status = 'running'") == [(0,)]
