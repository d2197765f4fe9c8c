"""The pipeline side of few-step styles (``generation.few_step`` holds the style's schema).

``FewStepLora`` rides on the ``PaintRequest``: the painter loads its LoRA beside the
style's (styles.apply_style's ``extra``) and paints with its scheduler (``use_scheduler``),
which replaces the model's for that painting only: the next painting gets the model's
own scheduler back.
"""

from __future__ import annotations

from dataclasses import dataclass

# Scheduler names of Style.few_step -> (diffusers class, config overrides).
SCHEDULERS = {
    "lcm": ("LCMScheduler", {}),
    "tcd": ("TCDScheduler", {}),
    "ddim-trailing": ("DDIMScheduler", {"timestep_spacing": "trailing"}),
    "euler-trailing": ("EulerDiscreteScheduler", {"timestep_spacing": "trailing"}),
}


@dataclass(frozen=True)
class FewStepLora:
    name: str  # the adapter's name in the pipeline (e.g. "few_step_lcm")
    path: str  # a local .safetensors file
    scale: float
    scheduler: str  # a key of SCHEDULERS

    def check(self) -> None:
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"few_step.scheduler must be one of {', '.join(SCHEDULERS)}, got {self.scheduler!r}")
        if not self.name or not self.path:
            raise ValueError(f"few_step needs a LoRA name and path, got {self.name!r} and {self.path!r}")
        if isinstance(self.scale, bool) or not isinstance(self.scale, (int, float)) or not 0 <= self.scale <= 2:
            raise ValueError(f"few_step.lora_scale must be in [0, 2], got {self.scale!r}")

    def adapters(self) -> list[tuple[str, str, float]]:
        return [(self.name, self.path, float(self.scale))]

    def describe(self) -> dict:
        return {"lora": self.name, "scale": self.scale, "scheduler": self.scheduler}


def adapters(few_step: FewStepLora | None) -> list[tuple[str, str, float]]:
    """The extra adapters for styles.apply_style: none without a few-step LoRA."""
    return [] if few_step is None else few_step.adapters()


def scheduler(models, name: str | None):
    """The scheduler called ``name`` for ``models``' pipeline (made once), or the model's own."""
    key = name or "base"
    found = models.schedulers.get(key)
    if found is None:
        import diffusers

        base = models.schedulers.setdefault("base", models.pipe.scheduler)
        cls_name, overrides = SCHEDULERS[key]
        found = getattr(diffusers, cls_name).from_config(base.config, **overrides)
        models.schedulers[key] = found
    return found


def use_scheduler(models, pipe, few_step: FewStepLora | None) -> None:
    """Paint with the few-step style's scheduler, or the model's own when there is none."""
    pipe.scheduler = scheduler(models, None if few_step is None else few_step.scheduler)
