"""What every kind of background work records: the abstract model its records inherit.

A painting, an export, a training run (and a restoration, a print, a reminder) is a record
first and a queue message second. ``core.work`` claims, beats, advances, finishes, fails and
takes back any record built on ``BackgroundWork``; a subclass keeps its own labels by
declaring ``status`` again with its own choices (same values).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE = (WorkStatus.QUEUED, WorkStatus.RUNNING)
ENDED = (WorkStatus.SUCCEEDED, WorkStatus.FAILED, WorkStatus.CANCELLED)


class BackgroundWork(models.Model):
    status = models.CharField(max_length=10, choices=WorkStatus.choices, default=WorkStatus.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)  # 0-100
    attempts = models.PositiveSmallIntegerField(default=0)  # claims so far
    worker = models.CharField(max_length=120, blank=True)  # host:pid of the process that holds it
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the queue message was last sent: a broker without acknowledgements (Redis) loses the
    # messages a killed worker had already taken, so the sweep sends them again.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in ENDED
