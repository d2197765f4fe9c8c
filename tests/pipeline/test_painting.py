"""The worker's painting code, run for real on tiny random-weight models (no mocks)."""

import io
import json
import shutil
import sys

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from generation.pipeline import loader, torch_compat
from generation.pipeline.buckets import bucket_for
from generation.pipeline.config import ModelConfig
from generation.pipeline.fetch import FetchError, fetch_models
from generation.pipeline.loader import ModelLoadError, get_models, load_count
from generation.pipeline.painter import (
    PaintCancelled,
    output_size,
    paint,
    prepare_controls,
)
from generation.pipeline.styles import StyleWeightsError, lora_load_count
from tests.pipeline.requests import pixels, request


@pytest.fixture(scope="module")
def photo():
    """A 96x64 'photo' with a figure and straight lines, so every annotator has something to see."""
    image = Image.new("RGB", (96, 64), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    draw.rectangle((5, 5, 40, 58), outline=(40, 40, 40), width=2)
    draw.line((50, 10, 90, 50), fill=(10, 10, 80), width=2)
    draw.ellipse((58, 8, 72, 22), fill=(230, 180, 150))
    draw.rectangle((60, 22, 70, 50), fill=(60, 90, 160))
    return image


# --- sizes and validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "size, long_side, expected",
    [
        ((96, 64), 64, (64, 40)),
        ((64, 96), 64, (40, 64)),
        ((4000, 3000), 768, (768, 576)),
        ((3024, 4032), 768, (576, 768)),
        ((100, 100), 64, (64, 64)),
        ((1000, 10), 64, (64, 8)),
        ((96, 64), 70, (64, 40)),
    ],
)
def test_output_keeps_the_aspect_in_multiples_of_8(size, long_side, expected):
    assert output_size(*size, long_side) == expected


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"strength": 0.0}, "strength"),
        ({"steps": 0}, "steps"),
        ({"steps": 3, "strength": 0.2}, "steps * strength"),
        ({"control_scales": (1.0, 1.0)}, "control_scales"),
        ({"control_scales": (1.0, float("nan"), 1.0)}, "depth"),
        ({"seed": -1}, "seed"),
        ({"long_side": 4}, "long_side"),
        ({"lora_path": "/x.safetensors"}, "lora_name"),
        ({"image": "photo.jpg"}, "image"),
        ({"guidance_scale": 99}, "guidance_scale"),
    ],
)
def test_a_bad_request_names_the_bad_value(photo, changes, named):
    with pytest.raises(ValueError, match=named.replace("*", r"\*").replace("[", r"\[")):
        request(photo, **changes)


# --- painting --------------------------------------------------------------------------------


def test_the_painting_has_the_output_size_and_says_what_was_used(models, photo):
    result = paint(models, request(photo))
    assert result.image.size == (64, 40) and result.image.mode == "RGB"
    p = json.loads(json.dumps(result.parameters))  # JSON-able
    assert (p["width"], p["height"], p["seed"], p["steps"], p["strength"]) == (64, 40, 7, 2, 1.0)
    assert p["control_scales"] == {"openpose": 1.0, "depth": 1.0, "mlsd": 1.0}
    assert p["lora"] is None and p["prompt"] == "a watercolor portrait"
    assert set(p["timings"]["controls"]) == {"openpose", "depth", "mlsd"}
    assert p["timings"]["painting"] > 0


def test_the_same_seed_paints_the_same_picture_and_another_seed_does_not(models, photo):
    first = paint(models, request(photo, seed=3)).image
    again = paint(models, request(photo, seed=3)).image
    other = paint(models, request(photo, seed=4)).image
    assert np.array_equal(pixels(first), pixels(again))
    assert not np.array_equal(pixels(first), pixels(other))


def test_the_controls_steer_the_painting(models, photo):
    guided = paint(models, request(photo)).image
    free = paint(models, request(photo, control_scales=(0.0, 0.0, 0.0))).image
    assert np.abs(pixels(guided) - pixels(free)).max() > 5


def test_a_control_at_scale_0_does_not_run_its_annotator(models, photo):
    before = dict(models.annotator_runs)
    result = paint(models, request(photo, control_scales=(0.0, 0.8, 0.5)))
    runs = {name: models.annotator_runs[name] - before.get(name, 0) for name in ("openpose", "depth", "mlsd")}
    assert runs == {"openpose": 0, "depth": 1, "mlsd": 1}
    assert set(result.parameters["timings"]["controls"]) == {"depth", "mlsd"}

    controls = prepare_controls(models, photo.resize((64, 40)), (0.0, 1.0, 0.0))
    assert [c.size for c in controls] == [(64, 40)] * 3
    assert not pixels(controls[0]).any() and not pixels(controls[2]).any()  # black, unused
    assert pixels(controls[1]).any()  # a depth map


def _count_controlnet_calls(models):
    calls = {name: 0 for name in ("openpose", "depth", "mlsd")}
    hooks = []
    for name, net in zip(calls, models.pipe.controlnet.nets, strict=False):

        def hook(module, args, output, name=name):
            calls[name] += 1

        hooks.append(net.register_forward_hook(hook))
    return calls, hooks


@pytest.mark.parametrize("scales", [(0.0, 0.8, 0.5), (1.0, 0.0, 0.0), (0.0, 0.0, 0.0)])
def test_a_control_switched_off_costs_nothing_and_changes_nothing(models, photo, scales):
    calls, hooks = _count_controlnet_calls(models)
    try:
        result = paint(models, request(photo, control_scales=scales))
        ran = {name for name, n in calls.items() if n}
        # What the full pipeline (every ControlNet run, the switched-off ones at scale 0) paints with those controls at 0: the same picture.
        # Painted as the painter paints: padded to its bucket, then cropped back.
        full = models.pipe
        bucket = bucket_for(*result.image.size)
        controls = prepare_controls(models, photo.resize(result.image.size), (1.0, 1.0, 1.0))
        reference = full(
            prompt="a watercolor portrait",
            negative_prompt="blurry",
            image=bucket.pad_photo(photo.resize(result.image.size)),
            control_image=[bucket.pad_control(c) for c in controls],
            height=bucket.height,
            width=bucket.width,
            strength=1.0,
            num_inference_steps=2,
            guidance_scale=5.0,
            controlnet_conditioning_scale=list(scales),
            generator=torch.Generator(device="cpu").manual_seed(7),
            output_type="pil",
        ).images[0]
        reference = bucket.crop(reference)
    finally:
        for hook in hooks:
            hook.remove()
    wanted = {name for name, scale in zip(("openpose", "depth", "mlsd"), scales, strict=False) if scale}
    assert ran == wanted
    assert result.parameters["controlnets_run"] == [n for n in ("openpose", "depth", "mlsd") if n in wanted]
    assert np.abs(pixels(result.image) - pixels(reference)).max() <= 1
    # The shared modules keep their dtype and device; the next full painting is unchanged.
    assert paint(models, request(photo)).parameters["controlnets_run"] == ["openpose", "depth", "mlsd"]


def test_the_style_lora_changes_the_painting_and_scale_0_gives_the_base_model(models, photo, tiny_models):
    lora = tiny_models.loras["watercolor"]
    base = paint(models, request(photo)).image
    styled = paint(models, request(photo, lora_name="watercolor", lora_path=lora, lora_scale=1.0)).image
    off = paint(models, request(photo, lora_name="watercolor", lora_path=lora, lora_scale=0.0)).image
    plain_again = paint(models, request(photo)).image  # a style without a LoRA: adapters disabled
    assert np.abs(pixels(styled) - pixels(base)).max() > 5
    assert np.array_equal(pixels(off), pixels(base))
    assert np.array_equal(pixels(plain_again), pixels(base))


def test_two_styles_alternate_without_reloading_anything(models, photo, tiny_models):
    paint(models, request(photo))  # weights are loaded by now
    loads, lora_loads = load_count(), lora_load_count()
    a = {"lora_name": "alternating ink", "lora_path": tiny_models.loras["watercolor"]}
    b = {"lora_name": "alternating oil", "lora_path": tiny_models.loras["oil"]}
    images = [paint(models, request(photo, **style)).image for style in (a, b, a, b)]
    assert load_count() == loads
    assert lora_load_count() == lora_loads + 2
    assert get_models(models.config) is models
    assert np.array_equal(pixels(images[0]), pixels(images[2]))
    assert np.array_equal(pixels(images[1]), pixels(images[3]))
    assert not np.array_equal(pixels(images[0]), pixels(images[1]))


def test_a_second_job_loads_nothing(tiny_models, photo):
    get_models(tiny_models.config)
    loads = load_count()
    models = get_models(tiny_models.config)
    paint(models, request(photo))
    assert load_count() == loads
    assert get_models(ModelConfig(**tiny_models.artwork_models)) is models  # equal configs share


def test_progress_is_reported_and_should_stop_cancels_mid_run(models, photo):
    fractions = []
    with pytest.raises(PaintCancelled):
        paint(models, request(photo, steps=4), on_step=fractions.append, should_stop=lambda: len(fractions) >= 1)
    assert fractions == [0.25]

    fractions.clear()
    paint(models, request(photo, steps=4), on_step=fractions.append)  # the pipeline still works
    assert fractions == [0.25, 0.5, 0.75, 1.0]

    with pytest.raises(PaintCancelled):  # cancelled before anything ran
        paint(models, request(photo), should_stop=lambda: True)


# --- readable failures -----------------------------------------------------------------------


def test_a_corrupt_lora_file_is_a_readable_error(models, photo, tmp_path):
    bad = tmp_path / "pytorch_lora_weights.safetensors"
    bad.write_bytes(b"this is not a safetensors file")
    with pytest.raises(StyleWeightsError, match=str(bad)):
        paint(models, request(photo, lora_name="broken", lora_path=str(bad)))
    assert "broken" not in models.adapters
    paint(models, request(photo))  # and the pipeline still paints


def test_a_missing_lora_file_is_a_readable_error(models, photo, tmp_path):
    missing = tmp_path / "gone.safetensors"
    with pytest.raises(StyleWeightsError, match=rf"{missing}.*does not exist"):
        paint(models, request(photo, lora_name="gone", lora_path=str(missing)))


def test_a_retrained_lora_file_is_loaded_again(models, photo, tiny_models, tmp_path):
    path = tmp_path / "pytorch_lora_weights.safetensors"
    shutil.copy(tiny_models.loras["watercolor"], path)
    first = paint(models, request(photo, lora_name="retrained", lora_path=str(path))).image
    loads = lora_load_count()
    shutil.copy(tiny_models.loras["oil"], path)  # the same style, a new file
    second = paint(models, request(photo, lora_name="retrained", lora_path=str(path))).image
    assert lora_load_count() == loads + 1
    assert not np.array_equal(pixels(first), pixels(second))


def test_a_missing_base_folder_names_the_path_and_keeps_the_loaded_models(tiny_models, tmp_path):
    models = get_models(tiny_models.config)
    loads = load_count()
    missing = tmp_path / "no-such-model"
    config = ModelConfig(**(tiny_models.artwork_models | {"base": str(missing)}))
    with pytest.raises(ModelLoadError, match=f"base model: the folder {missing} does not exist"):
        get_models(config)
    assert load_count() == loads and get_models(tiny_models.config) is models


def test_an_annotators_folder_without_checkpoints_names_what_is_missing(tmp_path):
    (tmp_path / "annotators").mkdir()
    with pytest.raises(ModelLoadError, match=r"lacks body_pose_model\.pth.*mlsd_large_512_fp32\.pth"):
        loader.load_annotators(str(tmp_path / "annotators"), "cpu")


def test_a_hub_id_that_was_never_fetched_says_how_to_fetch_it(tiny_models, monkeypatch, tmp_path):
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelLoadError, match="not in the local Hugging Face cache.*fetch_models"):
        loader.load_annotators("someone/never-fetched", "cpu")


def test_no_base_model_means_the_pipeline_is_off(tiny_models):
    config = ModelConfig(**(tiny_models.artwork_models | {"base": None}))
    assert not config.enabled
    with pytest.raises(ModelLoadError, match="No base model"):
        get_models(config)


def test_leres_loads_under_someone_elses_command_line(tiny_models, monkeypatch):
    import torch

    # argv as a process manager might leave it; LeReS's own parser would choke on --gpu_ids.
    argv = ["manage.py", "qcluster", "--gpu_ids", "not-a-number"]
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    annotators = loader.load_annotators(tiny_models.paths["annotators"], "cpu")
    assert set(annotators) == {"openpose", "depth", "mlsd"}
    assert sys.argv is argv and torch.backends.cudnn.benchmark is False


# --- configuration ---------------------------------------------------------------------------


def test_the_configuration_comes_from_settings(settings, tiny_models):
    settings.ARTWORK_MODELS = tiny_models.artwork_models
    config = ModelConfig.from_settings()
    assert config == tiny_models.config and hash(config) == hash(tiny_models.config)
    assert loader.resolved_device(config) == "cpu" and str(loader.resolved_dtype(config)) == "torch.float32"
    auto = ModelConfig(**(tiny_models.artwork_models | {"device": "auto", "dtype": "auto"}))
    import torch

    expected = ("cuda", torch.float16) if torch.cuda.is_available() else (loader.resolved_device(auto), torch.float32)
    assert (loader.resolved_device(auto), loader.resolved_dtype(auto)) == expected
    with pytest.raises(ValueError, match="dtype"):
        ModelConfig(**(tiny_models.artwork_models | {"dtype": "float8"}))


def test_torchvision_imports_and_the_fix_is_idempotent():
    import torch
    import torchvision  # noqa: F401

    assert torch_compat.status() in {"patched", "native", "absent"}
    assert torch_compat.install() == torch_compat.status()
    if torch_compat.status() != "absent":
        assert "qnms" in str(torch.ops.torchvision.qnms.default._schema)


# --- fetching --------------------------------------------------------------------------------


def test_fetching_skips_local_folders(tiny_models):
    out = io.StringIO()
    folders = fetch_models(tiny_models.config, out)
    assert folders["base"] == tiny_models.paths["base"] and len(folders) == 5
    assert out.getvalue().count("nothing to fetch") == 5


def test_fetching_without_the_hub_says_there_is_no_internet_access(tiny_models, tmp_path):
    config = ModelConfig(**(tiny_models.artwork_models | {"annotators": "someone/annotators"}))
    out = io.StringIO()
    # A closed local port stands in for the hub, so this never downloads even where it could.
    with pytest.raises(
        FetchError, match="annotators: cannot download 'someone/annotators': this machine has no internet"
    ):
        fetch_models(config, out, cache_dir=str(tmp_path), endpoint="http://127.0.0.1:9")
    assert "non-commercial" in out.getvalue()
