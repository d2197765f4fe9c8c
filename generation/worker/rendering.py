"""Paint the artwork of a job: the diffusion pipeline when weights are configured, else the
painterly filter. Called in the worker; the pipeline (and torch) is imported only here, lazily."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from PIL import Image

from core.work import Stopped
from generation import painting_settings
from generation.models import JobStage, Style, StylizationJob
from generation.pipeline.config import ModelConfig
from generation.worker import likeness, painterly
from generation.worker.progress import JobProgress

PIPELINE_BACKEND = "diffusers:sd15-img2img-controlnet"


@dataclass(frozen=True)
class Candidate:
    """A painting of the job that was not chosen, kept for the family to see and choose."""

    image: Image.Image
    seed: int
    strength: float | None
    likeness: dict | None


@dataclass(frozen=True)
class Rendered:
    image: Image.Image
    parameters: dict
    backend: str
    controls: dict = field(default_factory=dict)  # "openpose" | "depth" | "mlsd" -> the control image
    likeness: dict | None = None  # generation/worker/likeness.py's measure(); None: not measured
    candidates: tuple[Candidate, ...] = ()


def diffusion_enabled() -> bool:
    return ModelConfig.from_settings().enabled


def open_photo(job: StylizationJob) -> Image.Image:
    """The served screen size of the photo: upright, sRGB, without metadata."""
    field = job.photo.screen
    try:
        with field.open("rb") as handle:
            image = Image.open(handle)
            image.load()
    except FileNotFoundError:
        raise FileNotFoundError(f"the photo's file {field.name} is not in storage") from None
    return image.convert("RGB")


def build_prompt(style: Style, job: StylizationJob, tokenizer) -> str:
    """The style's prompt with the member's English subject (never the photo's caption), fitted
    to ``tokenizer``'s window (the loaded pipeline's own) with the trigger words kept."""
    from generation.pipeline import prompts

    return prompts.build_prompt(
        style.prompt_template, trigger=style.trigger_words, subject=job.subject, tokenizer=tokenizer
    )


def local_lora_path(style: Style) -> str | None:
    """A local file for load_lora_weights; copied from remote storage (S3) into LORA_ROOT once."""
    if not style.lora_file:
        return None
    try:
        return style.lora_file.path
    except NotImplementedError:
        target = Path(settings.LORA_ROOT) / "cache" / style.lora_file.name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with style.lora_file.open("rb") as source, open(target.with_suffix(".part"), "wb") as out:
                shutil.copyfileobj(source, out)
            target.with_suffix(".part").rename(target)
        return str(target)


def job_settings(job: StylizationJob) -> dict:
    """The job's chosen settings over its style's (generation/painting_settings.py)."""
    return painting_settings.effective(job.settings, job.style)


def negative_prompt(style: Style, extra: str) -> str:
    """The style's negative prompt with the member's extra words after it."""
    return ", ".join(part for part in (style.negative_prompt.strip().rstrip(","), extra.strip()) if part)


def paint_request_values(chosen: dict) -> dict:
    """PaintRequest's arguments for a job's settings: a unit switched off (or at weight 0) gets
    scale 0, which the painter does not run at all."""
    units = [chosen["controlnet"][name] for name in painting_settings.UNITS]

    def threshold(unit, key):
        value = unit[key]
        return None if value is None else float(value)

    return {
        "strength": chosen["denoising_strength"],
        "steps": chosen["steps"],
        "guidance_scale": chosen["cfg_scale"],
        "sampler": chosen["sampler_name"] or None,
        "control_scales": tuple(float(u["weight"]) if u["enabled"] else 0.0 for u in units),
        "control_guidance_start": tuple(float(u["guidance_start"]) for u in units),
        "control_guidance_end": tuple(float(u["guidance_end"]) for u in units),
        "control_resolutions": tuple(u["processor_res"] for u in units),
        "control_thresholds": tuple((threshold(u, "threshold_a"), threshold(u, "threshold_b")) for u in units),
    }


def render_artwork(job: StylizationJob, progress: JobProgress) -> Rendered:
    photo = open_photo(job)
    style = job.style
    chosen = job_settings(job)
    if not diffusion_enabled():
        progress.stage(JobStage.PAINTING)
        image = painterly.paint(
            photo, long_side=settings.ARTWORK_LONG_SIDE, strength=style.strength, style=style.slug, seed=job.seed
        )
        recipe = painterly.recipe_for(style.slug).key
        parameters = {
            "filter": "painterly",
            "recipe": recipe,
            "strength": style.strength,
            "seed": job.seed,
            "size": list(image.size),
            # The built-in painter uses the seed; the other settings are the AI painter's.
            "settings": chosen,
            "settings_used": ["seed"],
        }
        return Rendered(
            image=image,
            parameters=parameters,
            backend=painterly.BACKEND,
            likeness=likeness.measure_safely(photo, image),
        )

    from generation.pipeline import loader, painter  # torch: only when weights are configured

    progress.stage(JobStage.CONTROLS)
    models = loader.get_models(ModelConfig.from_settings())
    request = painter.PaintRequest(
        image=photo,
        prompt=build_prompt(style, job, models.pipe.tokenizer),
        negative_prompt=negative_prompt(style, chosen["negative_prompt"]),
        lora_name=style.slug if style.lora_file else None,
        lora_path=local_lora_path(style),
        lora_scale=style.lora_scale,
        seed=job.seed,
        long_side=settings.ARTWORK_LONG_SIDE,
        **paint_request_values(chosen),
    )
    count = chosen["candidates"] or candidate_count(style, models.device)
    request = replace(request, candidates=count, batch=candidate_batch())
    request = with_few_step(style, request)
    try:
        rendered = paint_faithfully(models, request, photo, progress)
    except painter.PaintCancelled:
        raise Stopped() from None
    # How many times this worker process has loaded weights so far: 1 after any number of jobs.
    parameters = {
        **rendered.parameters,
        "extra_negative_prompt": chosen["negative_prompt"],
        "settings": chosen,  # what was chosen (the style's where the member chose nothing)
        "worker_weight_loads": loader.load_count(),
    }
    return replace(rendered, parameters=parameters)


def with_few_step(style: Style, request):
    """A few-step style (``Style.few_step``) paints with its distillation LoRA beside the style's,
    its scheduler, its steps and its guidance scale; any other style's request is unchanged."""
    from generation import few_step
    from generation.pipeline.few_step import FewStepLora

    fast = few_step.parse(style.few_step)
    if fast is None:
        return request
    lora = FewStepLora(
        name=f"few_step:{fast.lora}",  # one adapter per file, shared by the styles naming it
        path=fast.lora_path(settings.LORA_ROOT),
        scale=fast.lora_scale,
        scheduler=fast.scheduler,
    )
    return replace(request, steps=fast.steps, guidance_scale=fast.guidance_scale, few_step=lora)


# --- Candidates: several seeds, the most faithful kept ----------------------------------------

GENTLER = 0.6  # the second try's denoising strength, as a share of the style's


def candidate_count(style: Style, device: str) -> int:
    """The style's own number, else ARTWORK_CANDIDATES, else 1 on a CPU and 4 on a GPU."""
    from generation.pipeline.painter import MAX_CANDIDATES

    count = style.candidates or settings.ARTWORK_CANDIDATES or (1 if device == "cpu" else 4)
    return max(1, min(MAX_CANDIDATES, count))


def candidate_batch() -> int:
    from generation.pipeline.painter import MAX_CANDIDATES

    return max(1, min(MAX_CANDIDATES, settings.ARTWORK_CANDIDATES_BATCH))


def gentler_strength(strength: float, steps: int) -> float | None:
    """A lower denoising strength for the second try (still at least one step), or None."""
    gentler = max(strength * GENTLER, 1 / steps)
    return round(gentler, 4) if gentler < strength and int(steps * gentler) >= 1 else None


def paint_faithfully(models, request, photo: Image.Image, progress: JobProgress) -> Rendered:
    """Paint ``request.candidates`` paintings and keep the one whose worst face is closest to the
    photo's. When none is recognisable, paint them once more at a gentler strength; if that fails
    too, keep the closest anyway and say so (``parameters["likeness_retried"]``)."""
    from generation.pipeline import painter

    def paint(req, *, again=False):
        result = painter.paint(
            models,
            req,
            # The second try keeps the bar where the first left it (full), never going back.
            on_step=lambda fraction: progress.step(JobStage.PAINTING, 1.0 if again else fraction),
            should_stop=progress.should_stop,
        )
        return [
            (result, image, seed, req.strength)
            for image, seed in zip(result.images, painter.candidate_seeds(req), strict=True)
        ]

    painted = paint(request)
    _, measured = likeness.choose(photo, [entry[1] for entry in painted])
    retried = None
    if not any(likeness.recognisable(m) for m in measured):
        retried = gentler_strength(request.strength, request.steps)
        if retried is not None:
            again = paint(replace(request, strength=retried), again=True)
            painted += again
            measured += likeness.choose(photo, [entry[1] for entry in again])[1]
    best = likeness.best(measured)
    result, image, seed, strength = painted[best]
    parameters = {**result.parameters, "seed": seed, "candidates": request.candidates}
    if retried is not None:
        parameters["likeness_retried"] = True
        parameters["retry_strength"] = retried
    others = tuple(
        Candidate(image=entry[1], seed=entry[2], strength=entry[3], likeness=measured[i])
        for i, entry in enumerate(painted)
        if i != best
    )
    return Rendered(
        image=image,
        parameters=parameters,
        backend=PIPELINE_BACKEND,
        controls=result.controls,
        likeness=measured[best],
        candidates=others,
    )
