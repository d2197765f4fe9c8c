"""Paint the artwork of a job: the diffusion pipeline when weights are configured, else the
painterly filter. Called in the worker; the pipeline (and torch) is imported only here, lazily."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from PIL import Image

from core.work import Stopped
from generation.models import JobStage, Style, StylizationJob
from generation.pipeline.config import ModelConfig
from generation.worker import painterly
from generation.worker.progress import JobProgress

PIPELINE_BACKEND = "diffusers:sd15-img2img-controlnet"


@dataclass(frozen=True)
class Rendered:
    image: Image.Image
    parameters: dict
    backend: str
    controls: dict = field(default_factory=dict)  # "openpose" | "depth" | "mlsd" -> the control image


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


def render_artwork(job: StylizationJob, progress: JobProgress) -> Rendered:
    photo = open_photo(job)
    style = job.style
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
        }
        return Rendered(image=image, parameters=parameters, backend=painterly.BACKEND)

    from generation.pipeline import loader, painter  # torch: only when weights are configured

    progress.stage(JobStage.CONTROLS)
    models = loader.get_models(ModelConfig.from_settings())
    request = painter.PaintRequest(
        image=photo,
        prompt=build_prompt(style, job, models.pipe.tokenizer),
        negative_prompt=style.negative_prompt,
        lora_name=style.slug if style.lora_file else None,
        lora_path=local_lora_path(style),
        lora_scale=style.lora_scale,
        strength=style.strength,
        steps=style.steps,
        guidance_scale=style.guidance_scale,
        control_scales=(style.openpose_scale, style.depth_scale, style.mlsd_scale),
        seed=job.seed,
        long_side=settings.ARTWORK_LONG_SIDE,
    )
    try:
        result = painter.paint(
            models,
            request,
            on_step=lambda fraction: progress.step(JobStage.PAINTING, fraction),
            should_stop=progress.should_stop,
        )
    except painter.PaintCancelled:
        raise Stopped() from None
    # How many times this worker process has loaded weights so far: 1 after any number of jobs.
    parameters = {**result.parameters, "worker_weight_loads": loader.load_count()}
    return Rendered(image=result.image, parameters=parameters, backend=PIPELINE_BACKEND, controls=result.controls)
