"""Every setting of a painting reaches the real pipeline (tiny random weights, no mocks): the
sampler becomes its diffusers scheduler for that painting only, each ControlNet unit's weight
and guidance window reach diffusers' call, its annotator's resolution and thresholds reach
controlnet-aux, a unit switched off is not run, and a seed paints the same picture again."""

import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generation import painting_settings as ps
from generation import services, tasks
from generation.models import Artwork, Style
from generation.pipeline import samplers
from generation.pipeline.loader import get_models
from generation.pipeline.painter import paint
from memorial import photos as photo_service
from tests.conftest import jpeg_upload
from tests.pipeline.requests import pixels, request


@pytest.fixture(scope="module")
def photo():
    image = Image.new("RGB", (96, 64), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    draw.rectangle((5, 5, 40, 58), outline=(40, 40, 40), width=2)
    draw.line((50, 10, 90, 50), fill=(10, 10, 80), width=2)
    draw.ellipse((58, 8, 72, 22), fill=(230, 180, 150))
    return image


class Recorder:
    """Calls through to ``target`` and keeps what each call was given."""

    def __init__(self, target):
        self.target, self.calls = target, []

    def __call__(self, *args, **kwargs):
        self.calls.append(kwargs)
        return self.target(*args, **kwargs)


@pytest.fixture
def pipeline_calls(models, monkeypatch):
    """The keyword arguments of each call of the ControlNet img2img pipeline."""
    cls = type(models.pipe)
    calls = []
    original = cls.__call__

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "__call__", spy)
    return calls


# --- samplers ----------------------------------------------------------------------------------


def test_every_automatic1111_sampler_has_a_diffusers_scheduler():
    assert tuple(samplers.SCHEDULERS) == ps.SAMPLERS
    for name in ("Euler a", "Euler", "DPM++ 2M Karras", "DPM++ SDE Karras", "UniPC", "DDIM", "LCM"):
        assert name in samplers.SCHEDULERS


@pytest.mark.parametrize(
    "name, scheduler, options",
    [
        ("Euler a", "EulerAncestralDiscreteScheduler", {}),
        ("Euler", "EulerDiscreteScheduler", {}),
        ("DPM++ 2M", "DPMSolverMultistepScheduler", {"use_karras_sigmas": False}),
        ("DPM++ 2M Karras", "DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
        ("DPM++ SDE", "DPMSolverSinglestepScheduler", {"use_karras_sigmas": False}),
        ("DPM++ SDE Karras", "DPMSolverSinglestepScheduler", {"use_karras_sigmas": True}),
        ("UniPC", "UniPCMultistepScheduler", {}),
        ("DDIM", "DDIMScheduler", {}),
        ("PLMS", "PNDMScheduler", {}),
        ("LCM", "LCMScheduler", {}),
    ],
)
def test_each_sampler_paints_with_its_scheduler_and_the_loaded_one_comes_back(
    models, photo, name, scheduler, options, pipeline_calls
):
    loaded = models.pipe.scheduler
    result = paint(models, request(photo, sampler=name, steps=3))
    assert result.parameters["sampler_name"] == name and result.parameters["scheduler"] == scheduler
    for key, value in options.items():
        assert result.parameters["scheduler_config"][key] == value
    assert np.asarray(result.image).std() > 0
    assert models.pipe.scheduler is loaded  # the next painting starts from the model's own
    # made from the model's configuration: its betas, not the scheduler class's defaults
    assert result.parameters["scheduler"] == type(samplers.make_scheduler(loaded.config, name)).__name__
    assert samplers.make_scheduler(loaded.config, name).config["beta_schedule"] == loaded.config["beta_schedule"]


def test_two_samplers_paint_different_pictures_and_a_seed_paints_the_same_again(models, photo):
    euler = paint(models, request(photo, sampler="Euler a", steps=4)).image
    again = paint(models, request(photo, sampler="Euler a", steps=4)).image
    dpm = paint(models, request(photo, sampler="DPM++ 2M Karras", steps=4)).image
    other_seed = paint(models, request(photo, sampler="Euler a", steps=4, seed=8)).image
    assert np.array_equal(pixels(euler), pixels(again))
    assert np.abs(pixels(euler) - pixels(dpm)).max() > 0
    assert np.abs(pixels(euler) - pixels(other_seed)).max() > 0


def test_a_sampler_not_known_is_refused_with_its_name(photo):
    with pytest.raises(ValueError, match=re.escape("'Heun++'")):
        request(photo, sampler="Heun++")


# --- ControlNet units and the call ---------------------------------------------------------------


def test_each_setting_reaches_the_pipelines_call(models, photo, pipeline_calls):
    paint(
        models,
        request(
            photo,
            strength=0.75,
            steps=4,
            guidance_scale=3.5,
            negative_prompt="blurry, hats",
            control_scales=(0.9, 0.0, 0.3),  # depth off
            control_guidance_start=(0.1, 0.0, 0.2),
            control_guidance_end=(0.8, 1.0, 0.6),
            seed=99,
        ),
    )
    (call,) = pipeline_calls
    assert call["strength"] == 0.75 and call["num_inference_steps"] == 4 and call["guidance_scale"] == 3.5
    assert call["negative_prompt"] == "blurry, hats"
    assert call["controlnet_conditioning_scale"] == [0.9, 0.3]
    assert call["control_guidance_start"] == [0.1, 0.2] and call["control_guidance_end"] == [0.8, 0.6]
    assert len(call["control_image"]) == 2
    assert [g.initial_seed() for g in call["generator"]] == [99]


def test_a_unit_switched_off_is_not_run(models, photo):
    before = dict(models.annotator_runs)
    result = paint(models, request(photo, control_scales=(1.0, 0.0, 1.0)))
    assert models.annotator_runs["depth"] == before.get("depth", 0)
    assert models.annotator_runs["openpose"] == before.get("openpose", 0) + 1
    assert result.parameters["controlnets_run"] == ["openpose", "mlsd"]
    assert result.parameters["controlnet"]["depth"] is None and "depth" not in result.controls


def test_the_annotators_get_their_resolution_and_thresholds(models, photo, monkeypatch):
    recorders = {name: Recorder(detector) for name, detector in models.annotators.items()}
    for name, recorder in recorders.items():
        monkeypatch.setitem(models.annotators, name, recorder)
    result = paint(
        models,
        request(
            photo,
            control_resolutions=(128, None, 256),
            control_thresholds=((None, None), (10.0, 20.0), (0.3, 5.0)),
        ),
    )
    (pose,) = recorders["openpose"].calls
    (depth,) = recorders["depth"].calls
    (lines,) = recorders["mlsd"].calls
    assert pose["detect_resolution"] == 128 and pose["include_face"] is True
    assert depth["detect_resolution"] == 40  # the painting's short side: 64x40
    assert (depth["thr_a"], depth["thr_b"]) == (10.0, 20.0)
    assert lines["detect_resolution"] == 256 and (lines["thr_v"], lines["thr_d"]) == (0.3, 5.0)
    recorded = result.parameters["controlnet"]
    assert recorded["mlsd"]["processor_res"] == 256 and recorded["mlsd"]["annotator"] == {"thr_v": 0.3, "thr_d": 5.0}
    assert recorded["depth"]["annotator"]["thr_a"] == 10.0
    assert result.controls["mlsd"].size == (64, 40)  # whatever it read at, the control is the painting's size


# --- a job's settings, through the worker --------------------------------------------------------


@pytest.fixture
def painting(settings, tiny_models):
    settings.ARTWORK_MODELS = tiny_models.artwork_models
    settings.ARTWORK_LONG_SIDE = 64
    return tiny_models


@pytest.fixture
def job_photo(family):
    memorial = family.memorial("private", full_name="Kim Min-jun", language="en")
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(size=(96, 64)), by=family.owner)
    return photo


@pytest.mark.django_db
def test_a_jobs_settings_are_painted_with_and_recorded_on_the_painting(painting, family, job_photo, monkeypatch):
    style = Style.objects.create(name="Ink", slug="ink", steps=4, strength=0.5, negative_prompt="lowres")
    models = get_models(painting.config)
    runs = dict(models.annotator_runs)
    job = services.request_artwork(
        photo=job_photo,
        style=style,
        by=family.contributor,
        settings={
            "seed": 2024,
            "denoising_strength": 0.75,
            "steps": 4,
            "cfg_scale": 4.0,
            "sampler_name": "DPM++ 2M Karras",
            "negative_prompt": "hats",
            "candidates": 2,
            "controlnet": {
                "openpose": {"weight": 0.7, "guidance_start": 0.25, "guidance_end": 0.75, "processor_res": 64},
                "depth": {"enabled": False},
                "mlsd": {"threshold_a": 0.2, "threshold_b": 3},
            },
        },
    )
    assert tasks.run_stylization(job.pk) == "succeeded"
    artwork = Artwork.objects.get(job=job)
    p = artwork.parameters
    assert artwork.seed in (2024, 2025) and p["seeds"] == [2024, 2025] and p["candidates"] == 2
    assert (p["strength"], p["steps"], p["guidance_scale"]) == (0.75, 4, 4.0) and p["steps_run"] == 3
    assert p["sampler_name"] == "DPM++ 2M Karras" and p["scheduler"] == "DPMSolverMultistepScheduler"
    assert p["scheduler_config"]["use_karras_sigmas"] is True
    assert p["negative_prompt"] == "lowres, hats" and p["extra_negative_prompt"] == "hats"
    assert p["controlnets_run"] == ["openpose", "mlsd"] and p["controlnet"]["depth"] is None
    assert p["controlnet"]["openpose"] | {"annotator": None} == {
        "weight": 0.7,
        "guidance_start": 0.25,
        "guidance_end": 0.75,
        "processor_res": 64,
        "annotator": None,
    }
    assert p["controlnet"]["mlsd"]["annotator"] == {"thr_v": 0.2, "thr_d": 3.0}
    assert p["settings"] == job.settings
    assert models.annotator_runs["depth"] == runs.get("depth", 0)  # switched off: not run
    assert not artwork.control_depth


@pytest.mark.django_db
def test_paint_again_paints_the_same_picture_and_vary_another(painting, family, job_photo):
    style = Style.objects.create(name="Ink", slug="ink", steps=4, strength=0.5, candidates=1)
    first = services.request_artwork(
        photo=job_photo, style=style, by=family.contributor, settings={"sampler_name": "Euler a"}
    )
    assert tasks.run_stylization(first.pk) == "succeeded"
    artwork = Artwork.objects.get(job=first)
    again = services.paint_again(artwork=artwork, by=family.contributor)
    varied = services.paint_again(artwork=artwork, by=family.contributor, vary=True)
    for job in (again, varied):
        assert tasks.run_stylization(job.pk) == "succeeded"

    def image(job):
        with Artwork.objects.get(job=job).image.open("rb") as handle:
            return pixels(Image.open(handle).convert("RGB"))

    assert again.seed == first.seed and varied.seed != first.seed
    assert np.array_equal(image(again), image(first))
    assert np.abs(image(varied) - image(first)).max() > 0
    assert Artwork.objects.get(job=varied).parameters["sampler_name"] == "Euler a"
