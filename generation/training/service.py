"""Training runs as records, the web side: start one (from a folder or an uploaded zip), queue it,
continue a stopped one.

The run itself (claim, dataset check, training, publishing the Style) is the worker's:
``generation.worker.training.run_training``, called by ``generation.tasks.train_style`` and by
the ``train_style`` command. Its lifecycle (claim, heartbeat, take-back when its worker dies,
continuing from the last checkpoint) is core.work's.

No torch here, and nothing that reaches it: the admin (web process) imports this module.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import work
from generation.training.records import TrainingRun, TrainingStatus

log = logging.getLogger(__name__)

HYPER_PARAMETERS = (
    "trigger_words",
    "rank",
    "alpha",
    "learning_rate",
    "batch_size",
    "grad_accum",
    "optimizer",
    "epochs",
    "max_steps",
    "resolution",
    "seed",
    "snr_gamma",
    "mixed_precision",
    "checkpoint_every",
    "base_model",
)


class UnsafeZipError(ValueError):
    """The uploaded zip was refused; the message says why. Nothing was kept."""


def zip_max_bytes() -> int:
    return int(getattr(settings, "TRAINING_ZIP_MAX_BYTES", 4 * 1024**3))


def zip_max_files() -> int:
    return int(getattr(settings, "TRAINING_ZIP_MAX_FILES", 20_000))


def training_timeout() -> int:
    """Seconds django-q2 lets a training task run (a real run takes hours on a GPU)."""
    return int(getattr(settings, "TRAINING_TIMEOUT", 24 * 3600))


def training_root() -> Path:
    # Datasets and checkpoints are private: never under MEDIA_ROOT, which a proxy may serve.
    return Path(settings.PRIVATE_MEDIA_ROOT) / "training"


# --- starting runs -----------------------------------------------------------------------------


def create_run(*, name: str, dataset_path: str | os.PathLike, by=None, output_dir: str = "", **hyper) -> TrainingRun:
    """A queued ``TrainingRun`` (not enqueued). ``hyper``: any of ``HYPER_PARAMETERS``."""
    unknown = sorted(set(hyper) - set(HYPER_PARAMETERS))
    if unknown:
        raise TypeError(f"unknown training settings {unknown}; known: {list(HYPER_PARAMETERS)}")
    name = (name or "").strip()
    if not name:
        raise ValueError("a training run needs the style's name")
    values = {k: v for k, v in hyper.items() if v is not None or k in ("alpha", "epochs", "max_steps", "snr_gamma")}
    return TrainingRun.objects.create(
        name=name,
        dataset_path=str(dataset_path),
        output_dir=str(output_dir or ""),
        created_by=by if getattr(by, "pk", None) else None,
        **values,
    )


def enqueue(run_id: int) -> None:
    """Queue ``generation.tasks.train_style``: in TRAINING_QUEUE when one is named, with
    TRAINING_TIMEOUT (the "training" kind of core.work, registered in generation/apps.py)."""
    work.enqueue("training", run_id)


def start_training_from_zip(zip_file, name: str, by=None, **hyper) -> TrainingRun:
    """Unpack an uploaded dataset zip safely into ``MEDIA_ROOT/training/<uuid>/dataset``,
    record a queued run (its output in ``.../output``) and enqueue it once the transaction
    commits. Raises ``UnsafeZipError`` (nothing kept) for a zip that is not one, holds
    absolute paths, ``..``, links or encrypted entries, or unpacks past the size limits.
    The dataset itself is checked by the run: a bad one fails the run with the problems."""
    folder = training_root() / uuid.uuid4().hex
    dataset = folder / "dataset"
    try:
        extract_zip(zip_file, dataset)
        with transaction.atomic():
            run = create_run(name=name, dataset_path=dataset, by=by, output_dir=str(folder / "output"), **hyper)
            transaction.on_commit(lambda: enqueue(run.pk))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return run


def extract_zip(
    zip_file, target: str | os.PathLike, *, max_bytes: int | None = None, max_files: int | None = None
) -> Path:
    """Unpack ``zip_file`` (a path or a binary file object) into the new folder ``target``.

    Every name is checked before anything is written: no absolute path, drive letter, ``..``,
    symbolic link or encrypted entry. Sizes are counted while unpacking (the sizes written in
    a zip's directory can lie), and unpacking stops past ``max_bytes`` in all or ``max_files``
    entries. Folders named ``__MACOSX`` and hidden files are skipped. On any refusal the
    target is removed and ``UnsafeZipError`` raised.
    """
    max_bytes = zip_max_bytes() if max_bytes is None else max_bytes
    max_files = zip_max_files() if max_files is None else max_files
    target = Path(target)
    if hasattr(zip_file, "seek"):
        zip_file.seek(0)
    try:
        archive = zipfile.ZipFile(zip_file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsafeZipError(f"The upload is not a zip file ({exc}).") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_files:
            raise UnsafeZipError(f"The zip holds {len(infos)} entries; at most {max_files} are accepted.")
        plan = []
        for info in infos:
            parts = _safe_parts(info)
            if parts is None:
                continue
            plan.append((info, parts))
        declared = sum(info.file_size for info, _ in plan)
        if declared > max_bytes:
            raise UnsafeZipError(f"The zip unpacks to {declared} bytes; at most {max_bytes} are accepted.")
        target.mkdir(parents=True, exist_ok=False)
        root = target.resolve()
        written = 0
        try:
            for info, parts in plan:
                destination = root.joinpath(*parts)
                if root not in destination.resolve().parents and destination.resolve() != root:
                    raise UnsafeZipError(f"The zip entry {info.filename!r} points outside its folder.")
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(destination, "xb") as out:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > max_bytes:
                            raise UnsafeZipError(
                                f"The zip unpacks to more than {max_bytes} bytes (a zip bomb?); refused."
                            )
                        out.write(chunk)
        except UnsafeZipError:
            shutil.rmtree(target, ignore_errors=True)
            raise
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise UnsafeZipError(f"The zip could not be unpacked: {type(exc).__name__}: {exc}") from None
    return target


def _safe_parts(info: zipfile.ZipInfo) -> list[str] | None:
    """The path parts to write, None to skip the entry; ``UnsafeZipError`` for a dangerous one."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise UnsafeZipError(f"The zip entry {name!r} is encrypted.")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeZipError(f"The zip entry {name!r} is a symbolic link; links are refused.")
    if "\x00" in name:
        raise UnsafeZipError(f"The zip entry {name!r} has a NUL in its name.")
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        raise UnsafeZipError(f"The zip entry {name!r} has an absolute path.")
    parts = [p for p in PurePosixPath(normalized).parts if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeZipError(f"The zip entry {name!r} climbs out of its folder ('..').")
    if not parts or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
        return None
    return parts


# --- continuing a stopped run -------------------------------------------------------------------

ENDED_EARLY = (TrainingStatus.FAILED, TrainingStatus.CANCELLED)


def resumable_run(name: str) -> TrainingRun | None:
    """The latest run of the style ``name`` that can be continued: failed (stopped, crashed, or
    given up after its last attempt), cancelled, or "running" without a heartbeat for
    JOB_STALE_AFTER_SECONDS (its worker died; the sweep would take it back too)."""
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    return (
        TrainingRun.objects.filter(name=name)
        .filter(
            Q(status__in=ENDED_EARLY)
            | Q(status=TrainingStatus.RUNNING)
            & (Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, updated_at__lt=stale))
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def requeue_for_resume(run: TrainingRun) -> TrainingRun:
    """failed, cancelled (or stale running) -> queued with ``resume=True`` and its attempts
    counted afresh: the next run continues from its last checkpoint."""
    TrainingRun.objects.filter(pk=run.pk, status__in=[*ENDED_EARLY, TrainingStatus.RUNNING]).update(
        status=TrainingStatus.QUEUED,
        resume=True,
        error="",
        cancel_requested=False,
        attempts=0,
        worker="",
        heartbeat_at=None,
        finished_at=None,
    )
    run.refresh_from_db()
    return run
