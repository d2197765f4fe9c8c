"""The django-q2 task that trains a style LoRA. A plain function: a test calls it directly.

Queued by ``generation.training.service.start_training_from_zip`` (the admin's upload) in
``transaction.on_commit``. Torch is imported only inside the run, by the trainer.
"""

from __future__ import annotations

from generation.training.records import TrainingRun


def train_style_task(run_id: int) -> str:
    """Run the training run ``run_id``; a second delivery of the same task does nothing."""
    from generation.training.service import run_training

    run = TrainingRun.objects.filter(pk=run_id).first()
    if run is None:
        return f"no training run {run_id}"
    run = run_training(run)
    return run.status if not run.error else f"{run.status}: {run.error.splitlines()[0]}"
