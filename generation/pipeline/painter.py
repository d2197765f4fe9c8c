"""Turn a photo into a painting: annotators -> three ControlNets -> SD 1.5 img2img + style LoRA.

The vocabulary follows the AUTOMATIC1111 img2img call the method started from:
denoising strength = ``strength``, cfg = ``guidance_scale``, ControlNet weight =
``control_scales[i]`` (OpenPose, LeReS depth, M-LSD lines, in that order).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from generation.pipeline import buckets, samplers
from generation.pipeline.few_step import FewStepLora, use_scheduler
from generation.pipeline.few_step import adapters as few_step_adapters
from generation.pipeline.loader import CONTROL_NAMES, LoadedModels
from generation.pipeline.styles import apply_style

MAX_STEPS = 150
MAX_LONG_SIDE = 2048
MAX_SEED = 2**63 - 1
# OpenPose reads the face's 70 points and the hands (where a body shows them) besides the body,
# so the shape of the face guides the painting, not only where the head is.
OPENPOSE_PARTS = {"include_body": True, "include_face": True, "include_hand": True}
MAX_CANDIDATES = 8


class PaintCancelled(Exception):
    """``should_stop()`` answered True; no painting was made."""


@dataclass(frozen=True)
class PaintRequest:
    image: Image.Image  # the photo, RGB, upright
    prompt: str
    negative_prompt: str
    lora_name: str | None
    lora_path: str | None  # None: the base model paints, adapters off
    lora_scale: float
    strength: float  # img2img denoising strength, (0, 1]
    steps: int  # img2img runs int(steps * strength) of them
    guidance_scale: float
    control_scales: tuple[float, float, float]  # openpose, depth, mlsd; 0 switches that control off
    seed: int
    long_side: int = 768  # of the painting, rounded down to a multiple of 8
    candidates: int = 1  # paintings made, seeds seed, seed + 1, ... (the worker keeps the most faithful)
    batch: int = 1  # at most this many painted in one pass of the pipeline
    # AUTOMATIC1111's sampler name (generation/pipeline/samplers.py); None: the loaded scheduler.
    sampler: str | None = None
    # Per ControlNet (CONTROL_NAMES order): the share of the steps it guides, from start to end.
    control_guidance_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    control_guidance_end: tuple[float, float, float] = (1.0, 1.0, 1.0)
    # Per annotator: the resolution it reads the photo at (None: the painting's short side).
    control_resolutions: tuple = (None, None, None)
    # Per annotator: its two thresholds (controlnet-aux's arguments; None: its default, or none).
    control_thresholds: tuple = ((None, None), (None, None), (None, None))
    few_step: FewStepLora | None = None  # a few-step style's LoRA and scheduler

    def __post_init__(self):
        check_request(self)


@dataclass(frozen=True)
class PaintResult:
    image: Image.Image  # exactly output_size(...) of the photo
    parameters: dict  # JSON-able: what was used, and how long it took
    # The control images that guided it, at the painting's size: only the annotators that ran.
    controls: dict[str, Image.Image] = field(default_factory=dict)  # CONTROL_NAMES -> image
    images: tuple = ()  # every candidate, in the order of candidate_seeds(request); images[0] is image


def check_request(r: PaintRequest) -> None:
    """Raise ``ValueError`` naming the first bad value (the spirit of diffusers' check_inputs)."""
    if not isinstance(r.image, Image.Image):
        raise ValueError(f"image must be a PIL image, got {type(r.image).__name__}")  # noqa: TRY004 (one error type for every bad value)
    if min(r.image.size) < 8:
        raise ValueError(f"image must be at least 8x8 pixels, got {r.image.width}x{r.image.height}")
    for name in ("prompt", "negative_prompt"):
        if not isinstance(getattr(r, name), str):
            raise ValueError(f"{name} must be a string, got {getattr(r, name)!r}")  # noqa: TRY004 (one error type for every bad value)
    if r.lora_path is not None and not r.lora_name:
        raise ValueError(f"lora_name is needed with lora_path {r.lora_path!r}")
    _number("lora_scale", r.lora_scale, 0.0, 2.0)
    _number("strength", r.strength, 0.0, 1.0, low_open=True)
    _integer("steps", r.steps, 1, MAX_STEPS)
    if int(r.steps * r.strength) < 1:
        raise ValueError(
            f"steps * strength must be at least 1 (img2img runs int(steps * strength) steps), "
            f"got steps={r.steps}, strength={r.strength}"
        )
    _number("guidance_scale", r.guidance_scale, 0.0, 30.0)
    scales = r.control_scales
    if not isinstance(scales, (tuple, list)) or len(scales) != len(CONTROL_NAMES):
        raise ValueError(f"control_scales must be three numbers ({', '.join(CONTROL_NAMES)}), got {scales!r}")
    for name, value in zip(CONTROL_NAMES, scales, strict=False):
        _number(f"control_scales[{name}]", value, 0.0, 2.0)
    for what in ("control_guidance_start", "control_guidance_end", "control_resolutions", "control_thresholds"):
        value = getattr(r, what)
        if not isinstance(value, (tuple, list)) or len(value) != len(CONTROL_NAMES):
            raise ValueError(f"{what} must hold one value per control ({', '.join(CONTROL_NAMES)}), got {value!r}")
    for i, name in enumerate(CONTROL_NAMES):
        _number(f"control_guidance_start[{name}]", r.control_guidance_start[i], 0.0, 1.0)
        _number(f"control_guidance_end[{name}]", r.control_guidance_end[i], 0.0, 1.0)
        if r.control_guidance_start[i] > r.control_guidance_end[i]:
            raise ValueError(
                f"control_guidance_start[{name}] must not be after control_guidance_end[{name}], "
                f"got {r.control_guidance_start[i]!r} > {r.control_guidance_end[i]!r}"
            )
        if r.control_resolutions[i] is not None:
            _integer(f"control_resolutions[{name}]", r.control_resolutions[i], 64, MAX_LONG_SIDE)
        thresholds = r.control_thresholds[i]
        if not isinstance(thresholds, (tuple, list)) or len(thresholds) != 2:
            raise ValueError(f"control_thresholds[{name}] must be two numbers or None, got {thresholds!r}")
        for value in thresholds:
            if value is not None:
                _number(f"control_thresholds[{name}]", value, 0.0, 100.0)
    if r.sampler is not None:
        from generation.pipeline.samplers import SCHEDULERS

        if r.sampler not in SCHEDULERS:
            raise ValueError(f"sampler must be one of {', '.join(SCHEDULERS)}; got {r.sampler!r}")
    _integer("seed", r.seed, 0, MAX_SEED)
    _integer("long_side", r.long_side, 8, MAX_LONG_SIDE)  # output_size rounds it down to a multiple of 8
    _integer("candidates", r.candidates, 1, MAX_CANDIDATES)
    _integer("batch", r.batch, 1, MAX_CANDIDATES)
    if r.few_step is not None:
        r.few_step.check()


def candidate_seeds(request: PaintRequest) -> list[int]:
    """The seed of each candidate: the request's, then the next ones (wrapping past MAX_SEED)."""
    return [(request.seed + i) % (MAX_SEED + 1) for i in range(request.candidates)]


def _batches(seeds: list[int], size: int) -> list[list[int]]:
    return [seeds[i : i + size] for i in range(0, len(seeds), size)]


def _number(name, value, low, high, low_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}], got {value!r}")


def _integer(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")  # noqa: TRY004 (one error type for every bad value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")


def output_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """The painting's size: the photo's aspect, the long side ``long_side`` (rounded down to a
    multiple of 8), the short side the nearest multiple of 8 (at least 8)."""
    if width <= 0 or height <= 0:
        raise ValueError(f"width and height must be positive, got {width}x{height}")
    long_side -= long_side % 8
    if long_side < 8:
        raise ValueError(f"long_side must be at least 8, got {long_side}")
    short = min(width, height) * long_side / max(width, height)
    short = max(8, round(short / 8) * 8)
    return (long_side, short) if width >= height else (short, long_side)


def prepare_controls(
    models: LoadedModels, image: Image.Image, scales, resolutions=(None, None, None), thresholds=None
) -> list[Image.Image]:
    """The three control images at ``image``'s size (pass the photo already at the output
    size). An annotator whose scale is 0 is not run: its control is a black image."""
    return _prepare_controls(models, image, scales, resolutions, thresholds)[0]


def annotator_arguments(name: str, resolution: int, thresholds=(None, None)) -> dict:
    """What the controlnet-aux detector ``name`` is called with (besides the image)."""
    sizes = {"detect_resolution": resolution, "image_resolution": resolution}
    first, second = thresholds
    if name == "openpose":
        return {**sizes, **OPENPOSE_PARTS}
    if name == "depth":  # LeReS: the nearest and the farthest percent removed
        return {"thr_a": first or 0, "thr_b": second or 0, "boost": False, **sizes}
    # mlsd: note that controlnet-aux returns a blank map if its model raises
    return {"thr_v": 0.1 if first is None else first, "thr_d": 0.1 if second is None else second, **sizes}


def _prepare_controls(models, image, scales, resolutions=(None, None, None), thresholds=None, should_stop=None):
    image = image.convert("RGB")
    size = image.size
    thresholds = thresholds or ((None, None),) * len(CONTROL_NAMES)
    images, seconds = [], {}
    for i, (name, scale) in enumerate(zip(CONTROL_NAMES, scales, strict=False)):
        if not scale:
            images.append(Image.new("RGB", size))
            continue
        _check_stop(should_stop)
        started = time.perf_counter()
        detector = models.annotators[name]
        # controlnet-aux resizes the short side to this; by default the painting's own
        resolution = resolutions[i] or min(size)
        control = detector(image, **annotator_arguments(name, resolution, thresholds[i]))
        control = control.convert("RGB")
        if control.size != size:
            control = control.resize(size, Image.BILINEAR)
        images.append(control)
        models.annotator_runs[name] += 1
        seconds[name] = round(time.perf_counter() - started, 4)
    return images, seconds


def pipeline_for(models: LoadedModels, scales) -> tuple[Any, tuple[int, ...]]:
    """The pipeline to paint with, and the indices of the ControlNets it runs.

    A ControlNet at scale 0 adds nothing to the painting, but diffusers would still run it at
    every step (about a third of a UNet each). So a style that switches controls off gets a
    pipeline holding only the others: made once from the loaded pipeline's components, so it
    shares their modules (and the style adapters in them) and copies no weights. With every
    control off it is plain img2img."""
    active = tuple(i for i, scale in enumerate(scales) if scale)
    if len(active) == len(CONTROL_NAMES):
        return models.pipe, active
    pipe = models.partial_pipes.get(active)
    if pipe is None:
        from diffusers import StableDiffusionControlNetImg2ImgPipeline, StableDiffusionImg2ImgPipeline
        from diffusers.models.controlnets.multicontrolnet import MultiControlNetModel

        shared = {name: module for name, module in models.pipe.components.items() if name != "controlnet"}
        if active:
            nets = MultiControlNetModel([models.pipe.controlnet.nets[i] for i in active])
            pipe = StableDiffusionControlNetImg2ImgPipeline(**shared, controlnet=nets, requires_safety_checker=False)
        else:
            pipe = StableDiffusionImg2ImgPipeline(**shared, requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)
        models.partial_pipes[active] = pipe
    return pipe, active


def _scheduler_options(scheduler) -> dict:
    """The options that make a scheduler the sampler it is (for the record)."""
    keys = ("use_karras_sigmas", "algorithm_type", "solver_order", "timestep_spacing", "prediction_type")
    return {key: scheduler.config[key] for key in keys if key in scheduler.config}


def _check_stop(should_stop):
    if should_stop is not None and should_stop():
        raise PaintCancelled("the painting was cancelled")


def paint(
    models: LoadedModels,
    request: PaintRequest,
    *,
    on_step: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PaintResult:
    """Paint ``request.image`` in the requested style.

    ``on_step(fraction)`` is called after each denoising step (0 < fraction <= 1); the caller
    throttles what it writes. ``should_stop()`` is asked before each annotator and after each
    step; True stops the run and raises ``PaintCancelled``.
    """
    import torch

    check_request(request)
    _check_stop(should_stop)
    width, height = output_size(request.image.width, request.image.height, request.long_side)
    photo = request.image.convert("RGB").resize((width, height), Image.LANCZOS)

    with models.lock:  # one painting at a time per pipeline (styles switch shared state)
        started = time.perf_counter()
        controls, control_seconds = _prepare_controls(
            models, photo, request.control_scales, request.control_resolutions, request.control_thresholds, should_stop
        )
        controls_done = time.perf_counter()
        adapter = apply_style(
            models, request.lora_name, request.lora_path, request.lora_scale, extra=few_step_adapters(request.few_step)
        )
        bucket = buckets.bucket_for(width, height)  # a few sizes only: torch.compile compiles each once

        batches = _batches(candidate_seeds(request), request.batch)
        done = [0]  # batches painted so far: progress runs once over all of them

        def step_end(pipe, step, timestep, callback_kwargs):
            if on_step is not None:
                on_step(min(1.0, (done[0] + (step + 1) / max(1, pipe.num_timesteps)) / len(batches)))
            if should_stop is not None and should_stop():
                # diffusers' own stop flag; raising as well skips the VAE decode of a
                # painting nobody wants (the loop would otherwise run on to decode it).
                pipe._interrupt = True
                raise PaintCancelled("the painting was cancelled")
            return callback_kwargs

        pipe, active = pipeline_for(models, request.control_scales)
        use_scheduler(models, pipe, request.few_step)
        control = {}
        if active:
            control = {
                "control_image": [bucket.pad_control(controls[i]) for i in active],
                "height": bucket.height,
                "width": bucket.width,
                "controlnet_conditioning_scale": [float(request.control_scales[i]) for i in active],
                "control_guidance_start": [float(request.control_guidance_start[i]) for i in active],
                "control_guidance_end": [float(request.control_guidance_end[i]) for i in active],
            }
        images = []
        # A few-step style's scheduler wins over a requested sampler (use_scheduler, above).
        sampler = request.sampler if request.few_step is None else None
        try:
            with samplers.using(pipe, sampler) as scheduler:
                for seeds in batches:  # several seeds in one pass: one generator each (a GPU paints them together)
                    output = pipe(
                        prompt=request.prompt,
                        negative_prompt=request.negative_prompt or None,
                        # At the bucket's size (plain img2img paints at the photo's size).
                        image=bucket.pad_photo(photo),
                        strength=request.strength,
                        num_inference_steps=request.steps,
                        guidance_scale=request.guidance_scale,
                        num_images_per_prompt=len(seeds),
                        generator=[torch.Generator(device="cpu").manual_seed(seed) for seed in seeds],
                        callback_on_step_end=step_end,
                        output_type="pil",
                        **control,
                    )
                    images.extend(output.images)
                    done[0] += 1
                steps_run = pipe.num_timesteps
        finally:  # the next painting, and whoever reads the pipeline, find the model's own scheduler
            use_scheduler(models, pipe, None)
        finished = time.perf_counter()

    # Not expected, but kept exact: the pipeline paints at height x width.
    images = [bucket.crop(i) for i in images]
    images = [i if i.size == (width, height) else i.resize((width, height), Image.LANCZOS) for i in images]
    image = images[0]
    parameters = {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "steps": request.steps,
        "steps_run": steps_run,
        "strength": request.strength,
        "guidance_scale": request.guidance_scale,
        "control_scales": dict(zip(CONTROL_NAMES, (float(s) for s in request.control_scales), strict=False)),
        "controlnets_run": [CONTROL_NAMES[i] for i in active],
        # Each ControlNet unit as it ran (AUTOMATIC1111's names); None: switched off, not run.
        "controlnet": {
            name: {
                "weight": float(request.control_scales[i]),
                "guidance_start": float(request.control_guidance_start[i]),
                "guidance_end": float(request.control_guidance_end[i]),
                "processor_res": request.control_resolutions[i] or min(width, height),
                "annotator": {
                    key: value
                    for key, value in annotator_arguments(
                        name, request.control_resolutions[i] or min(width, height), request.control_thresholds[i]
                    ).items()
                    if not key.endswith("_resolution")
                },
            }
            if i in active
            else None
            for i, name in enumerate(CONTROL_NAMES)
        },
        # What OpenPose was asked to read (None: it did not run).
        "openpose_parts": {key.removeprefix("include_"): value for key, value in OPENPOSE_PARTS.items()}
        if request.control_scales[0]
        else None,
        "seed": request.seed,
        "seeds": candidate_seeds(request),
        "width": width,
        "height": height,
        "lora": None if adapter is None else {"name": request.lora_name, "scale": request.lora_scale},
        "sampler_name": request.sampler if request.few_step is None and request.sampler else "",
        "scheduler": type(scheduler).__name__,
        "scheduler_config": _scheduler_options(scheduler),
        "few_step": None if request.few_step is None else request.few_step.describe(),
        "painted_at": list(bucket.size),  # the bucket: the painting is cropped out of it
        "gpu_path": dict(models.gpu_path),
        "device": models.device,
        "dtype": str(models.dtype).removeprefix("torch."),
        "timings": {
            "controls": control_seconds,  # only the annotators that ran
            "controls_total": round(controls_done - started, 4),
            "painting": round(finished - controls_done, 4),
        },
    }
    ran = {CONTROL_NAMES[i]: controls[i] for i in range(len(CONTROL_NAMES)) if request.control_scales[i]}
    return PaintResult(image=image, parameters=parameters, controls=ran, images=tuple(images))
