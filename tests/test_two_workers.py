"""Two GPU machines, one queue: two real `qcluster` processes share twenty jobs on Redis.

Every job must end exactly once, with one artwork, and the work must be shared. When one
worker dies mid-job (SIGKILL of its whole process group, as when a machine loses power), the
surviving cluster's scheduler runs `core.tasks.take_back_stale_work` (SCHEDULES in
config/settings.py, written by `manage.py sync_schedules`), the stale job is queued again and
painted by the survivor, and still every job ends once.

No diffusion weights are configured, so the painterly filter paints; espeak-ng speaks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import psutil
import pytest
import redis

from tests.processes import PYTHON, manage, process_env, query, separate_database, start, stop

pytestmark = pytest.mark.live

JOBS = 20

SUBMIT_SCRIPT = r"""
import io, os
from PIL import Image, ImageDraw
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from generation import services
from generation.models import Style
from memorial import photos, services as memorial_services

User = get_user_model()
owner = User.objects.create_user(email="owner@example.com")
memorial = memorial_services.create_memorial(by=owner, full_name="김순자", language="ko", visibility="private")
image = Image.new("RGB", (1600, 1200), (200, 170, 140))
draw = ImageDraw.Draw(image)
for i in range(0, 1600, 40):
    draw.line([(i, 0), (1600 - i, 1200)], fill=(40 + i % 200, 90, 160), width=6)
buffer = io.BytesIO()
image.save(buffer, "JPEG", quality=88)
photo, _ = photos.add_photo(album=memorial.albums.get(), by=owner, caption="바닷가에서",
                            upload=SimpleUploadedFile("beach.jpg", buffer.getvalue(), content_type="image/jpeg"))
style = Style.objects.create(name="Watercolor", slug="watercolor")
# One person may have five paintings on the way: twenty relatives ask for one each, at once.
for n in range(int(os.environ["TEST_JOBS"])):
    relative = User.objects.create_user(email=f"relative{n}@example.com")
    services.request_artwork(photo=photo, style=style, by=relative)
print("submitted")
"""


def job_rows(database_url: str) -> list[dict]:
    rows = query(database_url, "SELECT id, status, attempts, worker, error FROM generation_stylizationjob ORDER BY id")
    return [dict(zip(("id", "status", "attempts", "worker", "error"), row, strict=False)) for row in rows]


def artwork_job_ids(database_url: str) -> list[int]:
    return sorted(row[0] for row in query(database_url, "SELECT job_id FROM generation_artwork"))


class Cluster:
    """One `manage.py qcluster`, as on one GPU machine, and every pid its process tree ever had."""

    def __init__(self, name: str, env: dict[str, str], tmp_path: Path):
        self.name = name
        self.log = tmp_path / f"qcluster-{name}.log"
        self.proc = start([PYTHON, "manage.py", "qcluster"], env, self.log)
        self.pids: set[int] = {self.proc.pid}

    def look(self) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):
            self.pids.update(child.pid for child in psutil.Process(self.proc.pid).children(recursive=True))

    def owns(self, worker: str) -> bool:
        return bool(worker) and int(worker.rsplit(":", 1)[1]) in self.pids

    def wait_until_running(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while "running" not in self.log.read_text():
            assert self.proc.poll() is None, f"qcluster {self.name} exited:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, f"qcluster {self.name} did not start:\n{self.log.read_text()}"
            time.sleep(0.2)
        self.look()

    def kill(self) -> None:
        """Power loss: the whole process group at once, no chance to clean up."""
        self.look()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        stop(self.proc, signal.SIGINT, timeout=30)  # the whole group; a group-wide SIGTERM hangs qcluster


@contextlib.contextmanager
def two_clusters(tmp_path: Path, **extra: str):
    with separate_database(tmp_path) as database_url:
        # One env for both: the same database, the same Redis and the same (test-private) queue name.
        env = process_env(
            database_url, redis=True, media_root=tmp_path / "media", Q_WORKERS="1", TEST_JOBS=str(JOBS), **extra
        )
        manage(env, "migrate", "--noinput", timeout=300)
        manage(env, "sync_schedules")  # as bin/setup and the worker unit do: the sweep every minute
        clusters = [Cluster("a", env, tmp_path), Cluster("b", env, tmp_path)]
        try:
            for cluster in clusters:
                cluster.wait_until_running()
            yield database_url, env, clusters
        finally:
            for cluster in clusters:
                cluster.stop()


def queue_length(env: dict[str, str]) -> int:
    """Messages still waiting in the cluster's Redis list (django-q2's Redis broker key)."""
    return redis.Redis.from_url(env["REDIS_URL"]).llen(f"django_q:{env['Q_CLUSTER_NAME']}:q")


def wait_for_all_jobs(
    database_url: str, env: dict[str, str], clusters: list[Cluster], *, timeout: float, on_poll=None
) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        for cluster in clusters:
            if cluster.proc.poll() is None:
                cluster.look()
        rows = job_rows(database_url)
        if on_poll is not None:
            on_poll(rows)
        if len(rows) == JOBS and all(row["status"] in {"succeeded", "failed", "cancelled"} for row in rows):
            return rows
        if time.monotonic() > deadline:
            never_claimed = [r["id"] for r in rows if r["status"] == "queued" and r["attempts"] == 0]
            logs = "\n".join(f"--- {c.name}\n{c.log.read_text()[-3000:]}" for c in clusters)
            pytest.fail(
                f"not every job ended within {timeout}s: {[(r['id'], r['status'], r['attempts'], r['worker']) for r in rows]}\n"
                f"queued and never claimed: {never_claimed}; messages left in Redis: {queue_length(env)} "
                f"(a message a dead cluster had already taken off the list is gone with it)\n{logs}"
            )
        time.sleep(0.3)


def test_two_workers_share_twenty_jobs_and_each_ends_exactly_once(tmp_path):
    with two_clusters(tmp_path) as (database_url, env, (a, b)):
        started = time.monotonic()
        manage(env, "shell", "-c", SUBMIT_SCRIPT, timeout=300)
        rows = wait_for_all_jobs(database_url, env, [a, b], timeout=300)
        print(f"{JOBS} jobs on two workers: {time.monotonic() - started:.1f}s")

        assert [row["status"] for row in rows] == ["succeeded"] * JOBS, rows
        assert [row["attempts"] for row in rows] == [1] * JOBS, rows  # each job claimed once: no work done twice
        assert artwork_job_ids(database_url) == [row["id"] for row in rows]  # one artwork per job, none missing
        assert query(database_url, "SELECT COUNT(*) FROM generation_narration")[0][0] == JOBS

        # Both machines did some of the work, and each worker value is a process of one of the two trees.
        workers = {row["worker"] for row in rows}
        assert len(workers) >= 2, workers
        assert not a.pids & b.pids
        assert all(a.owns(worker) != b.owns(worker) for worker in workers), (workers, a.pids, b.pids)
        done_by = {"a": sum(a.owns(row["worker"]) for row in rows), "b": sum(b.owns(row["worker"]) for row in rows)}
        print("jobs per cluster:", done_by)
        assert done_by["a"] > 0 and done_by["b"] > 0 and sum(done_by.values()) == JOBS


def test_a_worker_killed_mid_job_leaves_no_job_unfinished_and_no_artwork_twice(tmp_path):
    # The heartbeat every second, stale after three: the survivor's sweep takes the dead worker's job back.
    with two_clusters(
        tmp_path, JOB_STALE_AFTER_SECONDS="3", JOB_HEARTBEAT_SECONDS="1", JOB_RESEND_AFTER_SECONDS="20"
    ) as (database_url, env, (a, b)):
        started = time.monotonic()
        manage(env, "shell", "-c", SUBMIT_SCRIPT, timeout=300)
        killed: dict = {}

        def kill_a_mid_job(rows):
            if killed:
                return
            done = sum(row["status"] == "succeeded" for row in rows)
            running_on_a = [row["id"] for row in rows if row["status"] == "running" and a.owns(row["worker"])]
            if done >= 3 and running_on_a:
                a.kill()
                # Read again after the kill: the jobs the dead worker really left half-done.
                left = [r["id"] for r in job_rows(database_url) if r["status"] == "running" and a.owns(r["worker"])]
                killed.update(job_ids=left, at=time.monotonic() - started, done=done)

        rows = wait_for_all_jobs(database_url, env, [a, b], timeout=180, on_poll=kill_a_mid_job)
        print(
            f"killed cluster a at {killed.get('at', 0):.1f}s with {killed.get('done')} done, mid-job on "
            f"{killed.get('job_ids')}; all ended after {time.monotonic() - started:.1f}s"
        )

        assert killed, "cluster a never had a job running to be killed in"
        assert [(row["id"], row["status"]) for row in rows] == [(row["id"], "succeeded") for row in rows], rows
        assert artwork_job_ids(database_url) == [row["id"] for row in rows]  # one artwork per job, none twice
        assert query(database_url, "SELECT COUNT(*) FROM generation_narration")[0][0] == JOBS
        by_id = {row["id"]: row for row in rows}
        for job_id in killed["job_ids"]:
            # Claimed by the dead worker, taken back by the sweep, painted by the survivor.
            assert by_id[job_id]["attempts"] == 2 and b.owns(by_id[job_id]["worker"]), by_id[job_id]
        assert a.proc.returncode == -signal.SIGKILL
