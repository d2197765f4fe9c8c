"""The worker's overhead around the pipeline, on the tiny random-weight models.

Runs N stylization jobs in this one process (as one django-q2 worker does: the pipeline stays
loaded) and, in the same run and on the same inputs, the bare pipeline call and the annotators
alone. Prints the number of weight loads, the mean job time, the mean bare call, the mean
annotators' time, and checks the target: job time <= 1.2 x (bare call + annotators).

    .venv/bin/python bench/worker.py [--jobs 5] [--long-side 256] [--steps 30] [--strength 0.6]

A job also writes the tribute text and speaks it (espeak-ng + MP3), a fixed ~0.3 s: with
tiny models at a few pixels that would dominate, so the default size keeps the painting as
the larger part, as it is with the real models (seconds to minutes per painting).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--long-side", type=int, default=192)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--strength", type=float, default=0.6)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    from tests.tiny_models import artwork_env, cached_build

    paths = cached_build()
    os.environ.update(
        DATABASE_URL=f"sqlite:///{work / 'bench.sqlite3'}",
        MEDIA_ROOT=str(work / "media"),
        PRIVATE_MEDIA_ROOT=str(work / "private"),
        **artwork_env(paths),
        ARTWORK_LONG_SIDE=str(args.long_side),
        HF_HUB_OFFLINE="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.files import File
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from PIL import Image, ImageDraw

    call_command("migrate", verbosity=0)
    from accounts.models import User
    from generation import services, tasks
    from generation.models import Artwork, Style
    from generation.pipeline import loader, painter
    from generation.pipeline.config import ModelConfig
    from generation.worker import rendering
    from memorial import photos
    from memorial import services as memorial_services

    user = User.objects.create_user(email="bench@example.com", password="x" * 12, display_name="Bench")
    memorial = memorial_services.create_memorial(by=user, full_name="Kim Min-jun", language="en")
    image = Image.new("RGB", (1200, 800), (120, 150, 190))
    ImageDraw.Draw(image).ellipse([450, 150, 750, 650], fill=(230, 200, 170))
    upload_path = work / "photo.jpg"
    image.save(upload_path, "JPEG")
    photo, _ = photos.add_photo(
        album=memorial.albums.get(), upload=SimpleUploadedFile("p.jpg", upload_path.read_bytes()), by=user
    )
    style = Style(name="Watercolor", slug="watercolor", steps=args.steps, strength=args.strength)
    with open(paths["loras"]["watercolor"], "rb") as handle:
        style.lora_file.save("watercolor.safetensors", File(handle), save=False)
    style.save()

    # Warm-up: the first job loads the weights (that load is counted, not timed).
    tasks.run_stylization(services.request_artwork(photo=photo, style=style, by=user, seed=1).pk)
    models = loader.get_models(ModelConfig.from_settings())
    job = Artwork.objects.latest("pk").job
    request = painter.PaintRequest(
        image=rendering.open_photo(job),
        prompt=rendering.build_prompt(style, job),
        negative_prompt=style.negative_prompt,
        lora_name=style.slug,
        lora_path=rendering.local_lora_path(style),
        lora_scale=style.lora_scale,
        strength=style.strength,
        steps=style.steps,
        guidance_scale=style.guidance_scale,
        control_scales=(style.openpose_scale, style.depth_scale, style.mlsd_scale),
        seed=1,
        long_side=args.long_side,
    )
    import torch
    from PIL import Image as PILImage

    width, height = painter.output_size(request.image.width, request.image.height, request.long_side)
    resized = request.image.resize((width, height), PILImage.LANCZOS)

    # Jobs and bare calls alternate, so that both see the same load on a shared machine.
    job_times, annotator_times, bare_times = [], [], []
    for _n in range(args.jobs):
        job = services.request_artwork(photo=photo, style=style, by=user, seed=1)
        started = time.perf_counter()
        assert tasks.run_stylization(job.pk) == "succeeded"
        job_times.append(time.perf_counter() - started)

        started = time.perf_counter()
        controls = painter.prepare_controls(models, resized, request.control_scales)
        annotator_times.append(time.perf_counter() - started)
        painter.apply_style(models, request.lora_name, request.lora_path, request.lora_scale)
        started = time.perf_counter()
        models.pipe(
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            image=resized,
            control_image=controls,
            height=height,
            width=width,
            strength=request.strength,
            num_inference_steps=request.steps,
            guidance_scale=request.guidance_scale,
            controlnet_conditioning_scale=list(request.control_scales),
            generator=torch.Generator(device="cpu").manual_seed(1),
            output_type="pil",
        )
        bare_times.append(time.perf_counter() - started)

    job_mean = statistics.median(job_times)
    bare_mean, annotators_mean = statistics.median(bare_times), statistics.median(annotator_times)
    ratio = job_mean / (bare_mean + annotators_mean)
    print(
        f"tiny models, {width}x{height}, {args.steps} steps x strength {args.strength}, {args.jobs} jobs in one process, torch threads {torch.get_num_threads()}"
    )
    print(f"weight loads in this worker:      {loader.load_count()} (for {args.jobs + 1} jobs)")
    print(f"median job time:                    {job_mean:.3f} s  (painting, text, speech, storing)")
    print(f"median bare pipeline call:        {bare_mean:.3f} s")
    print(f"median annotators (3 detectors):    {annotators_mean:.3f} s")
    print(f"job / (bare call + annotators):   {ratio:.2f}  target <= 1.20: {'met' if ratio <= 1.2 else 'NOT met'}")
    return 0 if ratio <= 1.2 and loader.load_count() == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
