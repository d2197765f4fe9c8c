"""AUTOMATIC1111's sampler names -> diffusers schedulers, made per painting from the loaded one.

Following diffusers' own table of A1111 equivalents ("Schedulers" in its docs): each name is a
scheduler class and the options that make it that sampler. ``using(pipe, name)`` swaps the
pipeline's scheduler for the painting and puts the loaded one back afterwards, so each new
scheduler is made with ``from_config`` of the model's own configuration (its betas, prediction
type, timestep spacing), never of the previous painting's, and no weights are touched.

"DPM++ SDE (Karras)": AUTOMATIC1111's sampler is k-diffusion's ``sample_dpmpp_sde``, a single-step
second-order SDE solver with Brownian-tree noise. diffusers' ``DPMSolverSDEScheduler`` is its port,
but it needs the ``torchsde`` package, which this project does not install (and which the worker
would otherwise import at the first such painting). diffusers' table gives
``DPMSolverSinglestepScheduler`` (with Karras sigmas for "Karras") as the equivalent: pure torch,
seeded by the painting's generator, so it works offline and a seed paints the same picture again.
"""

from __future__ import annotations

import contextlib

from generation.painting_settings import SAMPLERS

# name -> (diffusers scheduler class, from_config options)
SCHEDULERS: dict[str, tuple[str, dict]] = {
    "Euler a": ("EulerAncestralDiscreteScheduler", {}),
    "Euler": ("EulerDiscreteScheduler", {}),
    "DPM++ 2M": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": False}),
    "DPM++ 2M Karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
    "DPM++ SDE": ("DPMSolverSinglestepScheduler", {"use_karras_sigmas": False}),
    "DPM++ SDE Karras": ("DPMSolverSinglestepScheduler", {"use_karras_sigmas": True}),
    "UniPC": ("UniPCMultistepScheduler", {}),
    "DDIM": ("DDIMScheduler", {}),
    "PLMS": ("PNDMScheduler", {"skip_prk_steps": True}),
    "LCM": ("LCMScheduler", {}),
}
assert tuple(SCHEDULERS) == SAMPLERS, "painting_settings.SAMPLERS and SCHEDULERS must list the same names"


def make_scheduler(config, name: str):
    """A new scheduler of sampler ``name`` from a scheduler ``config`` (the loaded model's)."""
    import diffusers

    try:
        class_name, options = SCHEDULERS[name]
    except KeyError:
        raise ValueError(f"sampler_name must be one of {', '.join(SCHEDULERS)}; got {name!r}") from None
    return getattr(diffusers, class_name).from_config(config, **options)


@contextlib.contextmanager
def using(pipe, name: str | None):
    """Paint with sampler ``name`` inside the block (None or "": the pipeline's own scheduler)."""
    if not name:
        yield pipe.scheduler
        return
    loaded = pipe.scheduler
    pipe.scheduler = make_scheduler(loaded.config, name)
    try:
        yield pipe.scheduler
    finally:
        pipe.scheduler = loaded
