"""The one lifecycle of background work: paintings, exports, training runs, and what comes next.

Every kind of work is a record built on ``core.models.BackgroundWork`` and a task queued by name.
Whatever the broker does (delivers twice, loses a worker mid-item), these functions keep the
record true:

- ``claim`` takes a queued item in one conditional UPDATE (queued -> running, attempts + 1,
  this process's ``host:pid``); a second delivery finds nothing to claim;
- ``heartbeat`` beats from a background thread while the item runs; ``Progress`` writes the
  progress at most a few times a second and answers ``should_stop()`` (cancel requested, or
  the item was taken back from this worker);
- ``finish`` stores the results and ends the item once, only while this worker still holds it;
  ``fail`` and ``failure_recorded`` end it with a readable reason; ``retry_later`` puts it back
  in the queue after a passing trouble, for the sweep to send again; ``cancel`` asks it to stop;
- ``take_back_stale_work`` (the every-minute sweep, and each worker at its start) queues again
  the items whose worker went silent or died, or fails them after ``JOB_MAX_ATTEMPTS``, and
  sends again the queued items whose message went unanswered.

Each app says what its kinds are in its ``AppConfig.ready()`` (``register(Kind(...))``) with
plain data: core imports no app.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import WorkStatus

log = logging.getLogger(__name__)

PROGRESS_WRITES_PER_SECOND = 4
ERROR_LIMIT = 20_000


# --- kinds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of background work, as its app registers it.

    ``task`` is the dotted name of the django-q2 entry point that takes the record's id;
    ``group`` names its queue messages (``<group>-<id>``). ``timeout_setting`` and
    ``cluster_setting`` name settings read when a message is sent (a training run's timeout
    and queue). ``gave_up`` is the reason written after the last attempt; it may use
    ``{attempts}`` and ``{worker}``. ``on_claim`` and ``on_requeue`` are extra field values
    written when the item is claimed, and when it is queued again after its worker died.
    """

    name: str
    model: type[models.Model]
    task: str
    group: str
    gave_up: str
    timeout_setting: str = ""
    cluster_setting: str = ""
    select_related: tuple[str, ...] = ()
    on_claim: dict = field(default_factory=dict)
    on_requeue: dict = field(default_factory=dict)

    def task_options(self, pk) -> dict:
        options = {"task_name": f"{self.group}-{pk}", "group": self.group}
        if self.timeout_setting:
            options["timeout"] = int(getattr(settings, self.timeout_setting))
        if self.cluster_setting and getattr(settings, self.cluster_setting, ""):
            # django-q2 calls a queue a cluster: the kind's own, when one is named.
            options["cluster"] = getattr(settings, self.cluster_setting)
        return options


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Called from an app's ``ready()``; registering the same kind again replaces it."""
    _kinds[kind.name] = kind
    return kind


def kinds() -> list[Kind]:
    return list(_kinds.values())


def kind_of(item_or_model) -> Kind:
    """The registered kind of a record, a model, or a kind's name."""
    if isinstance(item_or_model, Kind):
        return item_or_model
    if isinstance(item_or_model, str):
        return _kinds[item_or_model]
    model = item_or_model if isinstance(item_or_model, type) else type(item_or_model)
    for kind in _kinds.values():
        if issubclass(model, kind.model):
            return kind
    raise LookupError(f"{model.__name__} is not a registered kind of background work")


# --- sending -----------------------------------------------------------------------------------


def enqueue(kind, pk) -> None:
    """Send the item's message (again): record when, then queue the kind's task by name."""
    from django_q.tasks import async_task

    kind = kind_of(kind)
    kind.model.objects.filter(pk=pk).update(enqueued_at=timezone.now())
    async_task(kind.task, pk, **kind.task_options(pk))


# --- running -----------------------------------------------------------------------------------


class Stopped(Exception):
    """Raised by the work when ``Progress.should_stop()`` said so: cancelled, or taken back."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(kind, pk, **fields):
    """queued -> running, in one conditional UPDATE. The record, or None when another worker
    has it, it was cancelled, or it ended. ``fields``: more values to write with the claim."""
    kind = kind_of(kind)
    now = timezone.now()
    claimed = kind.model.objects.filter(pk=pk, status=WorkStatus.QUEUED, cancel_requested=False).update(
        status=WorkStatus.RUNNING,
        progress=0,
        attempts=F("attempts") + 1,
        worker=worker_name(),
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        error="",
        **{**kind.on_claim, **fields},
    )
    if claimed != 1:
        return None
    return kind.model.objects.select_related(*kind.select_related).get(pk=pk)


def _held(item):
    """The item, still running and still this worker's, as a queryset to update."""
    return type(item).objects.filter(pk=item.pk, status=WorkStatus.RUNNING, worker=item.worker)


def beat(item) -> bool:
    """Write the heartbeat. False when the item is no longer this worker's to run."""
    return bool(_held(item).update(heartbeat_at=timezone.now()))


@contextlib.contextmanager
def heartbeat(item, interval: float | None = None):
    """Beat in a background thread while the item runs (a step may take long between writes)."""
    interval = interval if interval is not None else settings.JOB_HEARTBEAT_SECONDS
    stop = threading.Event()

    def loop():
        from django.db import connection

        try:
            while not stop.wait(interval):
                try:
                    beat(item)
                except Exception:  # a missed beat is retried; it must never take the work down
                    log.warning("%s %s: heartbeat not written", kind_of(item).name, item.pk, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name=f"heartbeat-{kind_of(item).name}-{item.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


class Progress:
    """Writes the progress (and so the heartbeat) at most ``per_second`` times a second, and
    answers ``should_stop()``: read at each write, true once a cancel was requested or the
    item was taken back from this worker."""

    def __init__(self, item, *, clock: Callable[[], float] = time.monotonic, per_second: float | None = None):
        self.item = item
        self.clock = clock
        self.min_interval = 1 / (per_second or PROGRESS_WRITES_PER_SECOND)
        self.last_write: float | None = None
        self.writes = 0
        self.cancelled = False
        self.lost = False

    def due(self) -> bool:
        return self.last_write is None or self.clock() - self.last_write >= self.min_interval

    def write(self, progress: int | None = None, *, force: bool = False, **fields) -> bool:
        """Write ``progress`` (0-100) and ``fields`` unless the last write was too recent."""
        if not force and not self.due():
            return False
        self.last_write = self.clock()
        self.writes += 1
        values = {"heartbeat_at": timezone.now(), **fields}
        if progress is not None:
            values["progress"] = max(0, min(100, int(progress)))
        if _held(self.item).filter(cancel_requested=False).update(**values):
            return True  # one query while all is well
        row = type(self.item).objects.filter(pk=self.item.pk).values("status", "worker", "cancel_requested").first()
        self.cancelled = bool(row and row["cancel_requested"])
        self.lost = not row or row["status"] != WorkStatus.RUNNING or row["worker"] != self.item.worker
        if self.cancelled:
            log.info("%s %s: cancellation requested, stopping", kind_of(self.item).name, self.item.pk)
        elif self.lost:
            log.warning("%s %s: no longer this worker's, stopping", kind_of(self.item).name, self.item.pk)
        return True

    def should_stop(self) -> bool:
        return self.cancelled or self.lost


def finish(item, make_records: Callable[[], object] | None = None, **fields) -> bool:
    """Store the results and mark the item succeeded, once. ``make_records()`` runs inside the
    transaction only while this worker still holds the item and no cancel was asked; False
    when it does not (then nothing is stored). ``fields``: more values to write (they may
    give ``finished_at`` themselves)."""
    with transaction.atomic():
        locked = (
            type(item)
            .objects.select_for_update()
            .filter(pk=item.pk, status=WorkStatus.RUNNING, worker=item.worker, cancel_requested=False)
        )
        if not locked.exists():
            return False
        if make_records is not None:
            make_records()
        now = timezone.now()
        locked.update(
            **{"status": WorkStatus.SUCCEEDED, "progress": 100, "finished_at": now, "heartbeat_at": now, **fields}
        )
    return True


def fail(item, reason: str, **fields) -> bool:
    """running -> failed with a readable reason, while this worker holds the item."""
    return bool(
        _held(item).update(status=WorkStatus.FAILED, error=reason[:ERROR_LIMIT], finished_at=timezone.now(), **fields)
    )


def retry_later(item, reason: str) -> bool:
    """A passing trouble (a mail server away): the item goes back to the queue, keeping what it
    did, and the sweep sends it again after JOB_RESEND_AFTER_SECONDS (the back-off), while
    attempts remain; after the last it fails with ``reason``. True when it will be tried again."""
    if item.attempts >= settings.JOB_MAX_ATTEMPTS:
        fail(item, reason)
        return False
    now = timezone.now()
    return bool(
        _held(item).update(
            status=WorkStatus.QUEUED,
            progress=0,
            worker="",
            heartbeat_at=None,
            enqueued_at=now,
            error=reason[:ERROR_LIMIT],
        )
    )


def stop_cancelled(item, **fields) -> bool:
    """running -> cancelled, when a cancel was asked (a taken-back item is left to its new worker)."""
    return bool(
        _held(item)
        .filter(cancel_requested=True)
        .update(status=WorkStatus.CANCELLED, finished_at=timezone.now(), **fields)
    )


def cancel(kind, pk) -> bool:
    """A queued item ends at once; a running one is asked to stop at its next progress write.
    False when it had already ended."""
    model = kind_of(kind).model
    if model.objects.filter(pk=pk, status=WorkStatus.QUEUED).update(
        status=WorkStatus.CANCELLED, cancel_requested=True, finished_at=timezone.now()
    ):
        return True
    return bool(model.objects.filter(pk=pk, status=WorkStatus.RUNNING).update(cancel_requested=True))


def readable_error(exc: BaseException) -> str:
    message = str(exc).strip() or exc.__class__.__name__
    if isinstance(exc, FileNotFoundError):
        return f"A file the work needs is missing from storage: {message}"
    return message


@contextlib.contextmanager
def failure_recorded(item, describe: Callable[[BaseException], str] = readable_error):
    """``Stopped`` ends a cancelled item as cancelled; any other error fails it with the reason
    ``describe`` gives, then goes on up (for the log and django-q2's record)."""
    try:
        yield
    except Stopped:
        stop_cancelled(item)
    except Exception as exc:
        fail(item, describe(exc))
        raise


# --- taking back the work of dead workers ------------------------------------------------------


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


def stale_items(kind) -> list:
    """Running items whose worker is gone: silent for JOB_STALE_AFTER_SECONDS, or, sooner,
    claimed on this machine by a process that no longer exists and silent for two heartbeats
    (a worker that crashed and was restarted here gets its work back at once)."""
    kind = kind_of(kind)
    now = timezone.now()
    running = kind.model.objects.filter(status=WorkStatus.RUNNING).annotate(
        last_sign=Coalesce("heartbeat_at", "started_at", "created_at")
    )
    silent = list(running.filter(last_sign__lt=now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)))
    seen = {item.pk for item in silent}
    here = running.filter(
        worker__startswith=f"{socket.gethostname()}:",
        last_sign__lt=now - timedelta(seconds=2 * settings.JOB_HEARTBEAT_SECONDS),
    ).exclude(pk__in=seen)
    # A live worker beats every JOB_HEARTBEAT_SECONDS: two missed beats and no such process. (Two
    # containers sharing a host name but not their processes could take a slow worker's item: it
    # is then done again, never stored twice; see finish().)
    return silent + [item for item in here if not _process_exists(item.worker.rpartition(":")[2])]


def take_back(kind) -> tuple[list, list]:
    """The items of ``kind`` whose worker stopped: queued again (and their task sent again), or
    failed with the kind's reason after JOB_MAX_ATTEMPTS. Each change is conditional on the
    heartbeat it saw, so a worker that was only slow and beats again keeps its item.
    Returns (requeued ids, failed ids)."""
    kind = kind_of(kind)
    requeued, failed = [], []
    for item in stale_items(kind):
        same = kind.model.objects.filter(pk=item.pk, status=WorkStatus.RUNNING, worker=item.worker)
        same = same.filter(heartbeat_at=item.heartbeat_at) if item.heartbeat_at else same.filter(heartbeat_at=None)
        if item.attempts >= settings.JOB_MAX_ATTEMPTS:
            reason = kind.gave_up.format(attempts=item.attempts, worker=item.worker or "an unknown worker")
            if same.update(status=WorkStatus.FAILED, error=reason, finished_at=timezone.now()):
                failed.append(item.pk)
        elif same.update(status=WorkStatus.QUEUED, progress=0, worker="", heartbeat_at=None, **kind.on_requeue):
            requeued.append(item.pk)
            enqueue(kind, item.pk)
    return requeued, failed


def unanswered(kind) -> list:
    """Queued items whose message nobody has taken up for JOB_RESEND_AFTER_SECONDS. A second
    message is harmless (``claim`` refuses an item twice); a lost one would leave it waiting."""
    kind = kind_of(kind)
    limit = timezone.now() - timedelta(seconds=settings.JOB_RESEND_AFTER_SECONDS)
    return list(
        kind.model.objects.filter(status=WorkStatus.QUEUED, cancel_requested=False)
        .filter(models.Q(enqueued_at__lt=limit) | models.Q(enqueued_at__isnull=True, created_at__lt=limit))
        .values_list("pk", flat=True)
    )


def resend(kind) -> list:
    kind = kind_of(kind)
    ids = unanswered(kind)
    for pk in ids:
        enqueue(kind, pk)
    return ids


def take_back_stale_work() -> dict[str, dict[str, list]]:
    """The sweep, for every registered kind: ``{kind: {"requeued": [...], "resent": [...],
    "failed": [...]}}``. One kind's trouble does not stop the others."""
    outcome = {}
    for kind in kinds():
        try:
            requeued, failed = take_back(kind)
            outcome[kind.name] = {"requeued": requeued, "resent": resend(kind), "failed": failed}
        except Exception:
            log.exception("could not take back the stale work of kind %s", kind.name)
            outcome[kind.name] = {"requeued": [], "resent": [], "failed": [], "error": True}
    return outcome


def take_back_at_start(sender=None, proc_name="", **kwargs) -> None:
    """A worker process starts (django-q2's ``post_spawn``): the work of this machine's workers
    that died (a crash, a kill, a restart by systemd) is queued again now, not at the next sweep."""
    try:
        outcome = take_back_stale_work()
    except Exception:  # the worker must start even if the database is briefly away
        log.exception("could not take back the work of dead workers at start")
        return
    taken = {name: ids for name, ids in outcome.items() if ids["requeued"] or ids["failed"]}
    if taken:
        log.warning("worker %s took back the work of dead workers at start: %s", proc_name, taken)
