"""The generation app's django-q2 entry points. Plain functions: a test calls them directly.

Each loads its record by id and hands it to the worker package; the web process never
imports this module, it queues these functions by name. The lifecycle of the records (claim,
heartbeat, take-back of a dead worker's work) is core.work's; its sweep is
``core.tasks.take_back_stale_work``.
"""

from __future__ import annotations

from generation.training.records import TrainingRun
from generation.worker import painting, webhook
from generation.worker.training import run_training


def run_stylization(job_id: int) -> str:
    """Paint a job, write and speak its tribute, store them; a second delivery does nothing."""
    return painting.run_stylization(job_id)


def renarrate(tribute_id: int, edited_at: str) -> str:
    """After a manager edits the words, speak them again (only the newest edit counts)."""
    return painting.renarrate(tribute_id, edited_at)


def deliver_webhook(job_id: int, attempt: int = 1) -> str:
    """Hand a finished job to ARTWORK_WEBHOOK_URL; schedules its own retries."""
    return webhook.deliver(job_id, attempt)


def train_style(run_id: int) -> str:
    """Run the training run ``run_id``; a second delivery of the same task does nothing."""
    run = TrainingRun.objects.filter(pk=run_id).first()
    if run is None:
        return f"no training run {run_id}"
    run = run_training(run)
    return run.status if not run.error else f"{run.status}: {run.error.splitlines()[0]}"
