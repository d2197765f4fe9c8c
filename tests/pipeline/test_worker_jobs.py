"""The worker's job on the real pipeline: tiny random weights saved by the test, loaded through
the same from_pretrained code production uses."""

import pytest
from django.core.files import File

from core import work
from generation import services, tasks
from generation.models import Artwork, Style, StylizationJob
from generation.pipeline import loader, styles
from generation.worker.progress import JobProgress
from generation.worker.rendering import PIPELINE_BACKEND, render_artwork
from memorial import photos as photo_service
from tests.conftest import jpeg_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def painting(settings, tiny_models):
    settings.ARTWORK_MODELS = tiny_models.artwork_models
    settings.ARTWORK_LONG_SIDE = 64
    return tiny_models


def make_style(slug, lora_path=None, **fields):
    style = Style(name=slug.title(), slug=slug, steps=4, strength=0.5, **fields)
    if lora_path is not None:
        with open(lora_path, "rb") as handle:
            style.lora_file.save(f"{slug}.safetensors", File(handle), save=False)
    style.save()
    return style


@pytest.fixture
def photo(family):
    memorial = family.memorial("private", full_name="Kim Min-jun", language="en")
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(size=(96, 64)), by=family.owner)
    return photo


def test_the_pipeline_paints_the_job_with_the_styles_lora(painting, family, photo):
    style = make_style("watercolor", painting.loras["watercolor"])
    first = services.request_artwork(photo=photo, style=style, by=family.contributor, seed=7)
    assert tasks.run_stylization(first.pk) == "succeeded"
    artwork = Artwork.objects.get(job=first)
    assert artwork.backend == PIPELINE_BACKEND
    assert (artwork.width, artwork.height) == (64, 40)
    assert artwork.parameters["seed"] == 7 and artwork.parameters["lora"]["name"] == "watercolor"
    assert artwork.tribute.narration.duration_s > 0.5

    loads = loader.load_count()
    second = services.request_artwork(photo=photo, style=style, by=family.contributor)
    assert tasks.run_stylization(second.pk) == "succeeded"
    assert loader.load_count() == loads  # the second job loads no weights again
    assert Artwork.objects.get(job=second).parameters["worker_weight_loads"] == loads


def test_two_styles_alternate_without_reloading_the_pipeline(painting, family, photo):
    watercolor = make_style("watercolor", painting.loras["watercolor"])
    oil = make_style("oil", painting.loras["oil"])
    tasks.run_stylization(services.request_artwork(photo=photo, style=watercolor, by=family.owner).pk)
    loads, lora_loads = loader.load_count(), styles.lora_load_count()
    for style in (oil, watercolor, oil, watercolor):
        assert (
            tasks.run_stylization(services.request_artwork(photo=photo, style=style, by=family.owner).pk) == "succeeded"
        )
    assert loader.load_count() == loads
    assert styles.lora_load_count() - lora_loads <= 1  # only oil's first use loads a file


def test_a_corrupt_lora_fails_its_job_with_a_reason_and_other_jobs_go_on(painting, family, photo, tmp_path):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"this is not a safetensors file")
    bad = make_style("broken", broken)
    job = services.request_artwork(photo=photo, style=bad, by=family.owner)
    with pytest.raises(Exception, match=r"(?i)safetensors|header|broken"):  # noqa: B017 (the loader's own error)
        tasks.run_stylization(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "broken" in job.error and not Artwork.objects.filter(job=job).exists()

    good = make_style("watercolor", painting.loras["watercolor"])
    assert tasks.run_stylization(services.request_artwork(photo=photo, style=good, by=family.owner).pk) == "succeeded"


def test_absent_weights_fail_the_job_with_a_readable_message(painting, family, photo, settings, tmp_path):
    settings.ARTWORK_MODELS = {**painting.artwork_models, "base": str(tmp_path / "no-such-model")}
    job = services.request_artwork(photo=photo, style=make_style("plain"), by=family.owner)
    with pytest.raises(loader.ModelLoadError):
        tasks.run_stylization(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "no-such-model" in job.error


def test_a_cancelled_running_job_stops_at_the_next_step(painting, family, photo):
    job = services.request_artwork(photo=photo, style=make_style("plain"), by=family.owner)
    claimed = work.claim(StylizationJob, job.pk)
    StylizationJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    with work.failure_recorded(claimed):
        render_artwork(claimed, JobProgress(claimed))
    job.refresh_from_db()
    assert job.status == "cancelled" and not Artwork.objects.exists()


def test_a_few_step_style_s_job_paints_in_its_steps_with_its_lora_and_scheduler(
    painting, family, photo, settings, tmp_path
):
    from tests.tiny_models import make_lora

    settings.LORA_ROOT = tmp_path
    make_lora(painting.paths["base"], tmp_path / "lcm", seed=5)  # a tiny stand-in for an LCM-LoRA
    few_step = {"kind": "lcm", "lora": "lcm/pytorch_lora_weights.safetensors", "steps": 8, "guidance_scale": 1.0}
    style = make_style("watercolor", painting.loras["watercolor"], few_step=few_step)
    job = services.request_artwork(photo=photo, style=style, by=family.contributor, seed=3)
    assert tasks.run_stylization(job.pk) == "succeeded"
    parameters = Artwork.objects.get(job=job).parameters
    assert parameters["scheduler"] == "LCMScheduler"
    assert (parameters["steps"], parameters["steps_run"], parameters["guidance_scale"]) == (8, 4, 1.0)  # at 0.5
    assert parameters["few_step"]["scheduler"] == "lcm"
    assert parameters["lora"]["name"] == "watercolor"  # the style's own LoRA is still there, beside it
