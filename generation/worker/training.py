"""Running a training run, in the worker: claim it, check its dataset, train, publish the Style.

``run_training(run)`` is what the worker (``generation.tasks.train_style``) and the
``train_style`` command call. It claims the run (core.work: one conditional UPDATE), beats
while it runs, checks the dataset before anything is loaded or written (a bad dataset fails
the run with the full list of problems, touches no Style and writes no file), trains, writes
progress and losses into the record at most once a second, then copies the LoRA and a preview
into the default storage (where ``Style.lora_file`` and ``Style.sample_image`` live) and
creates or updates the Style so families can pick it. A run whose worker died is taken back by
core.work's sweep and continues from its last checkpoint.

Imports the trainer (torch) when a run starts: only the worker reaches this module.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core import work
from generation.models import Style
from generation.training.dataset import DatasetError, check_dataset
from generation.training.records import TrainingRun
from generation.training.service import training_root

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 1.0  # write progress at most once a second


def default_output_dir(run: TrainingRun) -> str:
    return str(training_root() / f"run-{run.pk}")


class TrainingProgress(work.Progress):
    """The trainer's ``on_step`` and ``should_stop``: writes the record at most once per
    ``PROGRESS_INTERVAL_S`` (and at the last step); stops on Ctrl-C in the command, a cancel
    asked on the record, or the run taken back from this worker."""

    def __init__(self, run: TrainingRun, on_step=None, should_stop=None, **kwargs):
        super().__init__(run, per_second=1 / PROGRESS_INTERVAL_S, **kwargs)
        self.on_step, self.outer_stop = on_step, should_stop
        self.losses: list[float] = list(run.losses or [])

    def __call__(self, step: int, total: int, loss: float) -> None:
        del self.losses[step - 1 :]
        self.losses.append(round(float(loss), 6))
        if step >= total or self.due():
            self.write(
                100 * step // total if total else 0,
                force=True,
                step=step,
                total_steps=total,
                losses=self.losses,
                updated_at=timezone.now(),
            )
        if self.on_step is not None:
            self.on_step(step, total, loss)

    def should_stop(self) -> bool:
        if self.outer_stop is not None and self.outer_stop():
            return True
        return super().should_stop()


def _ended(run: TrainingRun) -> dict:
    now = timezone.now()
    return {"updated_at": now, "seconds": (now - run.started_at).total_seconds() if run.started_at else None}


def _fail(run: TrainingRun, message: str, **fields) -> TrainingRun:
    work.fail(run, message, **_ended(run), **fields)
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
    and Ctrl-C); ``cancel_requested`` on the record stops it as well (then it is cancelled),
    keeping a checkpoint.
    """
    claimed = work.claim(TrainingRun, run.pk, updated_at=timezone.now())
    if claimed is None:
        run.refresh_from_db()
        return run
    run = claimed
    with work.heartbeat(run):
        return _run(run, on_step, should_stop)


def _run(run: TrainingRun, on_step, should_stop) -> TrainingRun:
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

    progress = TrainingProgress(run, on_step, should_stop)
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
        message = (
            f"Stopped on request at step {result.step} of {result.total_steps}. Resuming continues from the checkpoint."
        )
        if progress.cancelled:
            work.stop_cancelled(run, error=message, **_ended(run), **fields)
        elif progress.lost:
            log.warning("training run %s was taken back from this worker; it goes on elsewhere", run.pk)
        else:
            work.fail(run, message, **_ended(run), **fields)
        run.refresh_from_db()
        return run

    def make_records():
        style = publish_style(run, result.lora_file, result.previews[0] if result.previews else None)
        TrainingRun.objects.filter(pk=run.pk).update(style=style)

    try:
        finished = work.finish(
            run,
            make_records,
            lora_path=result.lora_file,
            preview_paths=result.previews,
            error="",
            **_ended(run),
            **fields,
        )
    except Exception as exc:
        log.exception("training run %s: the style could not be saved", run.pk)
        return _fail(
            run,
            f"The LoRA was trained but the style could not be saved: {type(exc).__name__}: {exc}",
            lora_path=result.lora_file or "",
            preview_paths=result.previews,
            **fields,
        )
    if not finished:
        work.stop_cancelled(run, **_ended(run), **fields)
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
