"""The record of a LoRA training run: what was asked, what was used, how it went, what came out.

Imported by generation/models.py (so Django sees it as a model of the ``generation`` app);
no torch here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BackgroundWork


class TrainingStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Training")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OptimizerChoice(models.TextChoices):
    ADAMW8BIT = "adamw8bit", _("AdamW 8-bit (bitsandbytes)")
    ADAMW = "adamw", _("AdamW (torch)")


class MixedPrecision(models.TextChoices):
    AUTO = "auto", _("Automatic (bf16/fp16 on a GPU, fp32 on a CPU)")
    NO = "no", _("fp32")
    FP16 = "fp16", "fp16"
    BF16 = "bf16", "bf16"


class TrainingRun(BackgroundWork):
    """One training of a style LoRA. Defaults are the thesis recipe (rank 8, lr 1e-4, batch 4,
    8-bit AdamW). ``total_steps`` and ``step`` count optimizer steps; ``losses`` holds one loss
    per step done so far; ``progress`` (0-100) follows them. Its lifecycle (claim, heartbeat,
    take-back: a retried run continues from its last checkpoint) is core.work's."""

    name = models.CharField(_("style name"), max_length=80)
    dataset_path = models.CharField(_("dataset folder"), max_length=500)
    base_model = models.CharField(
        _("base model"),
        max_length=300,
        blank=True,
        help_text=_("A local folder or a hub id; empty: ARTWORK_MODELS['base']."),
    )
    output_dir = models.CharField(
        _("output folder"),
        max_length=500,
        blank=True,
        help_text=_("Checkpoints, the LoRA and previews are written here."),
    )
    trigger_words = models.CharField(_("trigger word"), max_length=200, blank=True)
    # --- hyper-parameters ---
    rank = models.PositiveSmallIntegerField(default=8)
    alpha = models.FloatField(null=True, blank=True, help_text=_("Empty: the rank."))
    learning_rate = models.FloatField(default=1e-4)
    batch_size = models.PositiveSmallIntegerField(default=4)
    grad_accum = models.PositiveSmallIntegerField(_("gradient accumulation"), default=1)
    optimizer = models.CharField(max_length=12, choices=OptimizerChoice.choices, default=OptimizerChoice.ADAMW8BIT)
    optimizer_used = models.CharField(max_length=12, blank=True)
    optimizer_note = models.CharField(max_length=400, blank=True)
    epochs = models.PositiveIntegerField(null=True, blank=True)
    max_steps = models.PositiveIntegerField(null=True, blank=True, help_text=_("Wins over epochs."))
    resolution = models.PositiveSmallIntegerField(default=512)
    seed = models.BigIntegerField(default=0)
    snr_gamma = models.FloatField(null=True, blank=True)
    mixed_precision = models.CharField(max_length=4, choices=MixedPrecision.choices, default=MixedPrecision.AUTO)
    mixed_precision_used = models.CharField(max_length=4, blank=True)
    checkpoint_every = models.PositiveIntegerField(default=100)
    resume = models.BooleanField(_("continue from the last checkpoint"), default=False)
    device = models.CharField(max_length=20, blank=True)
    # --- how it goes ---
    status = models.CharField(
        max_length=10, choices=TrainingStatus.choices, default=TrainingStatus.QUEUED, db_index=True
    )
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    losses = models.JSONField(default=list, blank=True)
    dataset_size = models.PositiveIntegerField(default=0)
    # --- what came out ---
    lora_path = models.CharField(_("LoRA file"), max_length=500, blank=True)
    preview_paths = models.JSONField(default=list, blank=True)
    style = models.ForeignKey(
        "generation.Style", null=True, blank=True, on_delete=models.SET_NULL, related_name="training_runs"
    )
    notes = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        app_label = "generation"
        ordering = ["-created_at", "-pk"]  # noqa: RUF012  (as the migration has it)
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")

    def __str__(self) -> str:
        return f"Training of {self.name} ({self.status})"

    @property
    def last_loss(self) -> float | None:
        return self.losses[-1] if self.losses else None
