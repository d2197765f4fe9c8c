"""A painting's progress bar, shared between the stages of a job (core.work.Progress underneath)."""

from __future__ import annotations

from core import work
from generation.models import JobStage

# How the progress bar is shared between the stages of a job.
STAGE_SPANS = {
    JobStage.CONTROLS: (0, 10),
    JobStage.PAINTING: (10, 85),
    JobStage.WRITING: (85, 90),
    JobStage.SPEAKING: (90, 99),
}


class JobProgress(work.Progress):
    """Called from the pipeline's step callback; writes at most a few times a second. It also
    answers ``should_stop()``: a member may cancel a running job, and the painting stops at its
    next step."""

    def stage(self, stage: str) -> None:
        self.write(STAGE_SPANS[stage][0], force=True, stage=stage)

    def step(self, stage: str, fraction: float) -> None:
        low, high = STAGE_SPANS[stage]
        if self.due():
            self.write(round(low + (high - low) * max(0.0, min(1.0, fraction))), stage=stage)
