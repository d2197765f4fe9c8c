"""Few-step styles: a style may paint in a handful of steps with an LCM, Hyper-SD or TCD LoRA.

``Style.few_step`` holds a JSON object checked here (the admin and the worker read it with
``parse``; nothing here imports torch)::

    {"kind": "lcm",                      # "lcm", "hyper-sd" or "tcd": which distillation
     "lora": "lcm-lora-sdv1-5.safetensors",  # the LoRA file: absolute, or under LORA_ROOT
     "scheduler": "lcm",                 # optional; "lcm", "tcd", "ddim-trailing", "euler-trailing"
     "steps": 6,                         # num_inference_steps; img2img runs int(steps * strength)
     "guidance_scale": 1.0,              # optional (1.0: no classifier-free guidance, one UNet pass a step)
     "lora_scale": 1.0}                  # optional

The distillation LoRA is loaded through the same peft path as the style's own LoRA and is
active beside it (``set_adapters([style, few_step], [style_scale, lora_scale])``); the
scheduler replaces the model's for that painting only. Defaults by kind follow each
distillation's model card: LCM with LCMScheduler, TCD and Hyper-SD with TCDScheduler, CFG 1.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

KINDS = {"lcm": "lcm", "hyper-sd": "tcd", "tcd": "tcd"}  # kind -> its default scheduler
SCHEDULERS = ("lcm", "tcd", "ddim-trailing", "euler-trailing")
KEYS = ("kind", "lora", "scheduler", "steps", "guidance_scale", "lora_scale")
MAX_STEPS = 50
MAX_GUIDANCE = 10.0


@dataclass(frozen=True)
class FewStep:
    kind: str
    lora: str
    scheduler: str
    steps: int
    guidance_scale: float = 1.0
    lora_scale: float = 1.0

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in KEYS}

    def lora_path(self, root: str | os.PathLike) -> str:
        """The LoRA file on this machine: ``lora`` itself when absolute, else under ``root``."""
        path = Path(self.lora)
        return str(path if path.is_absolute() else Path(root) / path)


def parse(value) -> FewStep | None:
    """``None`` for an empty value, else a ``FewStep``; a ``ValueError`` names the first bad key."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise ValueError(_("few_step must be a JSON object, got %(value)r") % {"value": value})
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise ValueError(
            _("few_step has unknown keys %(unknown)s; known: %(known)s")
            % {"unknown": ", ".join(unknown), "known": ", ".join(KEYS)}
        )
    kind = value.get("kind")
    if kind not in KINDS:
        raise ValueError(
            _("few_step.kind must be one of %(kinds)s, got %(value)r") % {"kinds": ", ".join(KINDS), "value": kind}
        )
    lora = value.get("lora")
    if not isinstance(lora, str) or not lora.strip() or not lora.endswith(".safetensors") or ".." in Path(lora).parts:
        raise ValueError(
            _("few_step.lora must name a .safetensors file (absolute, or under LORA_ROOT), got %(value)r")
            % {"value": lora}
        )
    scheduler = value.get("scheduler", KINDS[kind])
    if scheduler not in SCHEDULERS:
        raise ValueError(
            _("few_step.scheduler must be one of %(names)s, got %(value)r")
            % {"names": ", ".join(SCHEDULERS), "value": scheduler}
        )
    steps = value.get("steps")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(
            _("few_step.steps must be an integer from 1 to %(max)d, got %(value)r") % {"max": MAX_STEPS, "value": steps}
        )
    guidance = _number(value, "guidance_scale", 1.0, 0.0, MAX_GUIDANCE)
    lora_scale = _number(value, "lora_scale", 1.0, 0.0, 2.0)
    return FewStep(
        kind=kind, lora=lora.strip(), scheduler=scheduler, steps=steps, guidance_scale=guidance, lora_scale=lora_scale
    )


def _number(value: dict, key: str, default: float, low: float, high: float) -> float:
    number = value.get(key, default)
    if (
        isinstance(number, bool)
        or not isinstance(number, (int, float))
        or not math.isfinite(number)
        or not low <= number <= high
    ):
        raise ValueError(
            _("few_step.%(key)s must be a number from %(low)s to %(high)s, got %(value)r")
            % {"key": key, "low": low, "high": high, "value": number}
        )
    return float(number)


def validate(value) -> None:
    """The model field's validator: the ``parse`` error as a form error."""
    from django.core.exceptions import ValidationError

    try:
        parse(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
