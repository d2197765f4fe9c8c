"""Training runs as records: start one (from a folder or an uploaded zip), run it, publish the Style.

``run_training(run)`` is what the worker (``generation.tasks.train_style``) and the
``train_style`` command call. It claims the run (queued -> running in one conditional
UPDATE), checks the dataset before anything is loaded or written (a bad dataset fails the
run with the full list of problems, touches no Style and writes no file), trains, writes
progress and losses into the record a few times a second at most, then copies the LoRA
and a preview into the default storage (where ``Style.lora_file`` and
``Style.sample_image`` live) and creates or updates the Style so families can pick it.

No torch at import time: the admin (web process) imports this module to start runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from generation.models import Style
from generation.training.dataset import DatasetError, check_dataset
from generation.training.records import TrainingRun, TrainingStatus

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 1.0  # write progress at most once a second
CANCEL_POLL_S = 5.0  # look at cancel_requested at most this often
STALE_AFTER = timedelta(minutes=30)  # a "running" run silent this long has lost its worker
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
    from django_q.tasks import async_task

    # django-q2 calls a queue a cluster: TRAINING_QUEUE's own, when one is named.
    cluster = {"cluster": settings.TRAINING_QUEUE} if getattr(settings, "TRAINING_QUEUE", "") else {}
    async_task(
        "generation.tasks.train_style",
        run_id,
        task_name=f"training-{run_id}",
        group="training",
        timeout=training_timeout(),
        **cluster,
    )


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


# --- running ---------------------------------------------------------------------------------


def default_output_dir(run: TrainingRun) -> str:
    return str(training_root() / f"run-{run.pk}")


def claim(run_id: int) -> TrainingRun | None:
    """queued -> running in one conditional UPDATE; None when another worker has it or it ended."""
    now = timezone.now()
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingStatus.QUEUED).update(
        status=TrainingStatus.RUNNING,
        started_at=now,
        updated_at=now,
        finished_at=None,
        error="",
    )
    return TrainingRun.objects.get(pk=run_id) if claimed == 1 else None


class _Progress:
    """The trainer's ``on_step`` and ``should_stop``: writes the record at most once per
    ``PROGRESS_INTERVAL_S`` (and at the last step), reads ``cancel_requested`` now and then."""

    def __init__(self, run: TrainingRun, on_step=None, should_stop=None):
        self.run, self.on_step, self.outer_stop = run, on_step, should_stop
        self.last_write = 0.0
        self.last_poll = time.monotonic()
        self.cancelled = False
        self.losses: list[float] = list(run.losses or [])

    def __call__(self, step: int, total: int, loss: float) -> None:
        del self.losses[step - 1 :]
        self.losses.append(round(float(loss), 6))
        now = time.monotonic()
        if step >= total or now - self.last_write >= PROGRESS_INTERVAL_S:
            self.write(step, total)
        if self.on_step is not None:
            self.on_step(step, total, loss)

    def write(self, step: int, total: int) -> None:
        self.last_write = time.monotonic()
        TrainingRun.objects.filter(pk=self.run.pk).update(
            step=step, total_steps=total, losses=self.losses, updated_at=timezone.now()
        )

    def should_stop(self) -> bool:
        if self.outer_stop is not None and self.outer_stop():
            return True
        now = time.monotonic()
        if now - self.last_poll >= CANCEL_POLL_S:
            self.last_poll = now
            self.cancelled = TrainingRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists()
        return self.cancelled


def _fail(run: TrainingRun, message: str, **fields) -> TrainingRun:
    now = timezone.now()
    seconds = (now - run.started_at).total_seconds() if run.started_at else None
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingStatus.FAILED,
        error=message[:20000],
        finished_at=now,
        updated_at=now,
        seconds=seconds,
        **fields,
    )
    run.refresh_from_db()
    return run


def trainer_config(run: TrainingRun, base: str):
    """The ``TrainingConfig`` for ``run`` (imports the trainer, hence torch)."""
    from generation.training.trainer import TrainingConfig

    return TrainingConfig(
        base=base,
        dataset=run.dataset_path,
        output_dir=run.output_dir,
        trigger=run.trigger_words,
        rank=run.rank,
        alpha=run.alpha,
        learning_rate=run.learning_rate,
        batch_size=run.batch_size,
        grad_accum=run.grad_accum,
        optimizer=run.optimizer,
        epochs=run.epochs,
        max_steps=run.max_steps,
        resolution=run.resolution,
        seed=run.seed,
        snr_gamma=run.snr_gamma,
        mixed_precision=run.mixed_precision,
        device=str(settings.ARTWORK_MODELS.get("device") or "auto"),
        checkpoint_every=run.checkpoint_every,
        resume=run.resume,
        **getattr(settings, "TRAINING_PREVIEW", {}),
    )


def run_training(
    run: TrainingRun,
    *,
    on_step: Callable[[int, int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainingRun:
    """Run a queued training run to its end; returns the record as it ended.

    Never raises for a failed training: the record holds ``status="failed"`` and a readable
    ``error`` (a dataset error lists every problem). A run that is not queued is left alone.
    ``on_step`` and ``should_stop`` are passed on to the trainer (the command's progress bar
    and Ctrl-C); ``cancel_requested`` on the record stops it as well, keeping a checkpoint.
    """
    claimed = claim(run.pk)
    if claimed is None:
        run.refresh_from_db()
        return run
    run = claimed
    if not run.output_dir:
        run.output_dir = default_output_dir(run)
        TrainingRun.objects.filter(pk=run.pk).update(output_dir=run.output_dir)

    try:
        dataset = check_dataset(run.dataset_path, run.resolution, run.trigger_words)
    except (DatasetError, ValueError) as exc:
        return _fail(run, str(exc))
    base = run.base_model or settings.ARTWORK_MODELS.get("base")
    if not base:
        return _fail(run, "No base model: set ARTWORK_MODELS['base'] (ARTWORK_BASE_MODEL) or give the run one.")
    TrainingRun.objects.filter(pk=run.pk).update(base_model=base, dataset_size=len(dataset))

    progress = _Progress(run, on_step, should_stop)
    try:
        config = trainer_config(run, base)
        from generation.training import trainer

        result = trainer.train(config, on_step=progress, should_stop=progress.should_stop, dataset=dataset)
    except Exception as exc:  # the record says what went wrong; the worker goes on
        log.exception("training run %s failed", run.pk)
        return _fail(run, f"{type(exc).__name__}: {exc}", losses=progress.losses, step=len(progress.losses))

    fields = {
        "step": result.step,
        "total_steps": result.total_steps,
        "losses": result.losses,
        "optimizer_used": result.optimizer_used,
        "optimizer_note": result.optimizer_note[:400],
        "mixed_precision_used": result.mixed_precision_used,
        "device": result.device,
        "notes": result.notes,
    }
    if result.stopped:
        return _fail(
            run,
            f"Stopped on request at step {result.step} of {result.total_steps}. "
            "Resuming continues from the checkpoint.",
            cancel_requested=False,
            **fields,
        )
    try:
        style = publish_style(run, result.lora_file, result.previews[0] if result.previews else None)
    except Exception as exc:
        log.exception("training run %s: the style could not be saved", run.pk)
        return _fail(
            run,
            f"The LoRA was trained but the style could not be saved: {type(exc).__name__}: {exc}",
            lora_path=result.lora_file or "",
            preview_paths=result.previews,
            **fields,
        )
    now = timezone.now()
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingStatus.SUCCEEDED,
        style=style,
        lora_path=result.lora_file,
        preview_paths=result.previews,
        finished_at=now,
        updated_at=now,
        seconds=(now - run.started_at).total_seconds(),
        error="",
        **fields,
    )
    run.refresh_from_db()
    return run


def style_slug(name: str) -> str:
    """``slugify(name)``; a name with no Latin letters (한글) gets ``style-<hash>``."""
    return slugify(name)[:70] or f"style-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _free_slug(slug: str, exclude_pk=None) -> str:
    candidate, n = slug, 1
    while Style.objects.filter(slug=candidate).exclude(pk=exclude_pk).exists():
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def publish_style(run: TrainingRun, lora_file: str, preview: str | None) -> Style:
    """Copy the LoRA (and a preview as the sample image) into the default storage and create
    the Style named ``run.name``, or update it (LoRA, trigger words, sample) when it exists.
    Old files stay in storage: a painting in flight may still be reading them."""
    style = Style.objects.filter(name=run.name).first()
    if style is None:
        style = Style(name=run.name, slug=_free_slug(style_slug(run.name)))
    stored = []
    try:
        with open(lora_file, "rb") as handle:
            style.lora_file.save(f"{style.slug}-run{run.pk}.safetensors", File(handle), save=False)
        stored.append(style.lora_file.name)
        if preview:
            with open(preview, "rb") as handle:
                style.sample_image.save(f"{style.slug}-run{run.pk}.png", File(handle), save=False)
            stored.append(style.sample_image.name)
        style.trigger_words = run.trigger_words
        with transaction.atomic():
            style.save()
    except BaseException:
        from django.core.files.storage import default_storage

        for name in stored:
            default_storage.delete(name)
        raise
    return style


def resumable_run(name: str) -> TrainingRun | None:
    """The latest run of the style ``name`` that can be continued: failed (stopped, crashed,
    cancelled), or "running" without a progress write for ``STALE_AFTER`` (its worker died)."""
    from django.db.models import Q

    stale = timezone.now() - STALE_AFTER
    return (
        TrainingRun.objects.filter(name=name)
        .filter(Q(status=TrainingStatus.FAILED) | Q(status=TrainingStatus.RUNNING, updated_at__lt=stale))
        .order_by("-created_at", "-pk")
        .first()
    )


def requeue_for_resume(run: TrainingRun) -> TrainingRun:
    """failed (or stale running) -> queued with ``resume=True``: the next run continues from
    its last checkpoint."""
    TrainingRun.objects.filter(pk=run.pk, status__in=[TrainingStatus.FAILED, TrainingStatus.RUNNING]).update(
        status=TrainingStatus.QUEUED, resume=True, error="", cancel_requested=False
    )
    run.refresh_from_db()
    return run
