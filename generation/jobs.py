"""The life of a stylization job: claimed once, kept alive by a heartbeat, finished once.

A job is a record first and a queue message second. Whatever the broker does (delivers twice,
loses a worker mid-job), these functions keep the record true: one conditional UPDATE claims
a job, one conditional UPDATE finishes it, and a scheduled sweep takes back jobs whose worker
stopped beating.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from generation.models import JobStage, JobStatus, StylizationJob

log = logging.getLogger(__name__)

PROGRESS_WRITES_PER_SECOND = 4
# How the progress bar is shared between the stages of a job.
STAGE_SPANS = {
    JobStage.CONTROLS: (0, 10),
    JobStage.PAINTING: (10, 85),
    JobStage.WRITING: (85, 90),
    JobStage.SPEAKING: (90, 99),
}


class JobCancelled(Exception):
    pass


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(job_id: int) -> StylizationJob | None:
    """queued -> running, in one conditional UPDATE. None when another worker has it, or it ended."""
    now = timezone.now()
    claimed = StylizationJob.objects.filter(pk=job_id, status=JobStatus.QUEUED, cancel_requested=False).update(
        status=JobStatus.RUNNING,
        stage=JobStage.CONTROLS,
        progress=0,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        worker=worker_name(),
        error="",
    )
    if claimed != 1:
        return None
    return StylizationJob.objects.select_related("photo__album__memorial", "style", "memorial").get(pk=job_id)


def beat(job: StylizationJob) -> bool:
    """Write the heartbeat. False when the job is no longer this worker's to run."""
    return bool(
        StylizationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=job.worker).update(
            heartbeat_at=timezone.now()
        )
    )


@contextlib.contextmanager
def heartbeat(job: StylizationJob, interval: float | None = None):
    """Beat in a background thread while the job runs (annotators can take long between steps)."""
    interval = interval if interval is not None else settings.JOB_HEARTBEAT_SECONDS
    stop = threading.Event()

    def loop():
        from django.db import connection

        try:
            while not stop.wait(interval):
                try:
                    beat(job)
                except Exception:  # a missed beat is retried; it must never take the job down
                    log.warning("job %s: heartbeat not written", job.pk, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name=f"heartbeat-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


class ProgressWriter:
    """Called from the pipeline's step callback; writes at most a few times a second.

    It also answers `should_stop()`: a member may cancel a running job, and the painting
    stops at its next step.
    """

    def __init__(self, job: StylizationJob, *, clock=time.monotonic):
        self.job = job
        self.clock = clock
        self.last_write = float("-inf")
        self.cancelled = False
        self.writes = 0

    def stage(self, stage: str) -> None:
        self._write(stage, STAGE_SPANS[stage][0], force=True)

    def step(self, stage: str, fraction: float) -> None:
        low, high = STAGE_SPANS[stage]
        self._write(stage, round(low + (high - low) * max(0.0, min(1.0, fraction))))

    def should_stop(self) -> bool:
        return self.cancelled

    def _write(self, stage: str, progress: int, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self.last_write < 1 / PROGRESS_WRITES_PER_SECOND:
            return
        self.last_write = now
        self.writes += 1
        StylizationJob.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(
            stage=stage, progress=progress, heartbeat_at=timezone.now()
        )
        self.cancelled = StylizationJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        if self.cancelled:
            log.info("job %s: cancellation requested, stopping", self.job.pk)


def finish(job: StylizationJob, make_records) -> bool:
    """Store the results and mark the job succeeded, once. `make_records()` runs inside the
    transaction only when this worker still holds the job; False when it does not."""
    with transaction.atomic():
        locked = StylizationJob.objects.select_for_update().filter(
            pk=job.pk, status=JobStatus.RUNNING, worker=job.worker, cancel_requested=False
        )
        if not locked.exists():
            return False
        make_records()
        locked.update(status=JobStatus.SUCCEEDED, stage=JobStage.DONE, progress=100, finished_at=timezone.now())
    return True


def fail(job: StylizationJob, reason: str) -> None:
    StylizationJob.objects.filter(pk=job.pk, status__in=[JobStatus.RUNNING, JobStatus.QUEUED]).update(
        status=JobStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


def mark_cancelled(job: StylizationJob) -> None:
    StylizationJob.objects.filter(pk=job.pk, status__in=[JobStatus.RUNNING, JobStatus.QUEUED]).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )


def mark_cancelled_if_requested(job: StylizationJob) -> None:
    StylizationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, cancel_requested=True).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )


@contextlib.contextmanager
def failure_recorded(job: StylizationJob):
    """Turn any error into a failed job with a readable reason, then re-raise it for the log."""
    try:
        yield
    except JobCancelled:
        mark_cancelled(job)
    except Exception as exc:
        fail(job, readable_error(exc))
        raise


def readable_error(exc: BaseException) -> str:
    message = str(exc).strip() or exc.__class__.__name__
    if isinstance(exc, FileNotFoundError):
        return f"A file the painting needs is missing from storage: {message}"
    return message


def unanswered_queued_jobs() -> list[int]:
    """Queued jobs whose message nobody has taken up for a long while: sent again by the sweep.

    A second message is harmless (`claim` refuses a job twice); a lost one would leave the
    family waiting forever. Long backlogs are re-sent only every JOB_RESEND_AFTER_SECONDS.
    """
    limit = timezone.now() - timedelta(seconds=settings.JOB_RESEND_AFTER_SECONDS)
    return list(
        StylizationJob.objects.filter(status=JobStatus.QUEUED, cancel_requested=False)
        .filter(models.Q(enqueued_at__lt=limit) | models.Q(enqueued_at__isnull=True, created_at__lt=limit))
        .values_list("pk", flat=True)
    )


def stale_jobs() -> list[StylizationJob]:
    """Running jobs whose worker is gone: silent for JOB_STALE_AFTER_SECONDS, or, sooner, claimed
    on this machine by a process that no longer exists and silent for two heartbeats (a worker
    that crashed and was restarted here gets its job back at once, not minutes later)."""
    now = timezone.now()
    running = StylizationJob.objects.filter(status=JobStatus.RUNNING)
    silent = list(running.filter(heartbeat_at__lt=now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)))
    seen = {job.pk for job in silent}
    here = running.filter(
        worker__startswith=f"{socket.gethostname()}:",
        heartbeat_at__lt=now - timedelta(seconds=2 * settings.JOB_HEARTBEAT_SECONDS),
    ).exclude(pk__in=seen)
    # A live worker beats every JOB_HEARTBEAT_SECONDS: two missed beats and no such process. (Two
    # containers sharing a host name but not their processes could take a slow worker's job: it
    # is then painted again, never twice stored; see finish().)
    return silent + [job for job in here if not _process_exists(job.worker.rpartition(":")[2])]


def _process_exists(pid: str) -> bool:
    if not pid.isdigit():
        return True  # not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def take_back_stale_jobs() -> tuple[list[int], list[int]]:
    """Jobs whose worker stopped beating: queue them again, or fail them after the last attempt.

    Each change is conditional on the heartbeat it saw, so a worker that was only slow and
    beats again keeps its job. Returns (requeued ids, failed ids).
    """
    requeued, failed = [], []
    for job in stale_jobs():
        same = StylizationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at)
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            reason = (
                f"The painter stopped while working on this photo {job.attempts} times "
                f"(last on {job.worker or 'an unknown worker'}); it was not tried again."
            )
            if same.update(status=JobStatus.FAILED, error=reason, finished_at=timezone.now()):
                failed.append(job.pk)
        elif same.update(status=JobStatus.QUEUED, stage=JobStage.WAITING, progress=0, worker="", heartbeat_at=None):
            requeued.append(job.pk)
    return requeued, failed
