"""The GPU path (issue 15, item 3), checked on the CPU with the tiny random-weight models:
what can run on a CPU runs (SDPA, channels-last, buckets, few-step styles); what needs CUDA
(offload, compiled speed) is checked by what was configured."""

from dataclasses import replace
from types import SimpleNamespace

import pytest
import torch
from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw

from generation import few_step
from generation.models import Style
from generation.pipeline import buckets, loader, speed
from generation.pipeline.config import ModelConfig
from generation.pipeline.few_step import FewStepLora
from generation.pipeline.loader import get_models
from generation.pipeline.painter import output_size, paint
from generation.pipeline.styles import adapter_name
from generation.worker import rendering
from tests.pipeline.requests import pixels, request
from tests.tiny_models import make_lora


@pytest.fixture(scope="module")
def photo():
    image = Image.new("RGB", (96, 64), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    draw.rectangle((5, 5, 40, 58), outline=(40, 40, 40), width=2)
    draw.ellipse((58, 8, 72, 22), fill=(230, 180, 150))
    return image


@pytest.fixture(scope="module")
def distilled_lora(tiny_models, tmp_path_factory):
    """A tiny stand-in for an LCM/TCD/Hyper-SD LoRA: random A and B, so it changes the painting."""
    return str(make_lora(tiny_models.paths["base"], tmp_path_factory.mktemp("few-step"), seed=5))


# --- attention, memory format, VAE ------------------------------------------------------------


def test_every_attention_layer_runs_pytorch_sdpa(models):
    from diffusers.models.attention_processor import AttnProcessor2_0

    pipe = models.pipe
    for module in (pipe.unet, *pipe.controlnet.nets, pipe.vae):
        processors = module.attn_processors.values()
        assert processors and all(isinstance(p, AttnProcessor2_0) for p in processors)
    assert models.gpu_path["attention"] == "sdpa"


def test_sdpa_is_set_again_even_when_something_switched_it_off(models):
    pipe = models.pipe
    pipe.unet.set_default_attn_processor()  # diffusers' "default" is the old matmul AttnProcessor
    assert not speed.uses_sdpa(pipe)
    speed.set_sdpa(pipe)
    assert speed.uses_sdpa(pipe)


def test_the_unet_and_controlnets_are_channels_last_and_the_vae_is_not_upcast(models):
    pipe = models.pipe
    assert speed.is_channels_last(pipe.unet)
    assert all(speed.is_channels_last(net) for net in pipe.controlnet.nets)
    assert pipe.vae.config.force_upcast is False
    assert pipe.vae.dtype == models.dtype
    assert models.gpu_path | {"dtype": None} == {
        "attention": "sdpa",
        "dtype": None,
        "channels_last": True,
        "cpu_offload": False,
        "compile": "off",
        "vae_upcast": False,
    }


def test_channels_last_can_be_switched_off(tiny_models):
    pipe, *_ = loader.load_pipeline(replace(tiny_models.config, channels_last=False))
    assert not speed.is_channels_last(pipe.unet)


def test_a_painting_records_how_the_pipeline_was_set_up(models, photo):
    result = paint(models, request(photo))
    assert result.parameters["gpu_path"]["attention"] == "sdpa"
    assert result.parameters["gpu_path"]["channels_last"] is True
    assert result.parameters["dtype"] == "float32"


# --- buckets ----------------------------------------------------------------------------------


def test_every_photo_is_painted_in_one_of_a_few_sizes_and_keeps_its_aspect():
    shapes = set()
    for width in range(200, 4001, 37):
        for height in (300, 480, 1000, 2999, 4000):
            w, h = output_size(width, height, 768)
            bucket = buckets.bucket_for(w, h)
            shapes.add(bucket.size)
            assert bucket.width % 64 == 0 and bucket.height % 64 == 0
            assert 0 <= bucket.width - w < 64 and 0 <= bucket.height - h < 64
            left, top, right, bottom = bucket.box
            assert (right - left, bottom - top) == (w, h)
            # The painting's aspect is the photo's up to output_size's rounding to 8 pixels.
            assert abs(w / h - width / height) <= (width / height) * 8 / min(w, h) + 1e-9
    assert len(shapes) <= 2 * 768 // 64


def test_padding_and_cropping_give_back_the_photo_untouched():
    image = Image.effect_noise((72, 40), 60).convert("RGB")
    bucket = buckets.bucket_for(*image.size)
    padded = bucket.pad_photo(image)
    assert padded.size == (128, 64)
    assert bucket.crop(padded).tobytes() == image.tobytes()
    control = bucket.pad_control(image)
    assert control.getpixel((0, 0)) == (0, 0, 0)
    assert bucket.crop(control).tobytes() == image.tobytes()


def test_photos_of_different_shapes_share_a_bucket_and_the_unet_sees_one_shape(models):
    shapes = []
    hook = models.pipe.unet.register_forward_hook(lambda module, args, output: shapes.append(tuple(args[0].shape)))
    try:
        first = paint(models, request(Image.new("RGB", (96, 64), (90, 120, 200)), long_side=120))
        second = paint(models, request(Image.new("RGB", (100, 60), (200, 120, 90)), long_side=120))
    finally:
        hook.remove()
    assert first.image.size == output_size(96, 64, 120) == (120, 80)
    assert second.image.size == output_size(100, 60, 120) == (120, 72)
    assert first.parameters["painted_at"] == second.parameters["painted_at"] == [128, 128]
    assert len({shape[2:] for shape in shapes}) == 1  # one latent size: nothing to recompile


# --- compile and offload: configured, checked without CUDA ------------------------------------


def test_compile_is_a_setting_and_happens_once_per_worker(tiny_models, monkeypatch):
    compiled = []
    monkeypatch.setattr(
        torch.nn.Module, "compile", lambda self, **kwargs: compiled.append((type(self).__name__, kwargs))
    )
    config = replace(tiny_models.config, compile="max-autotune-no-cudagraphs")
    try:
        first = get_models(config)
        assert get_models(config) is first  # the worker's cache: loaded and compiled once
    finally:
        loader.clear_cache()
    assert [name for name, _ in compiled] == ["UNet2DConditionModel"] + ["ControlNetModel"] * 3
    assert all(kw == {"mode": "max-autotune-no-cudagraphs", "fullgraph": False, "dynamic": False} for _, kw in compiled)
    assert first.gpu_path["compile"] == "max-autotune-no-cudagraphs"


def test_compile_really_wraps_the_models_in_place(tiny_models):
    pipe, *_ = loader.load_pipeline(replace(tiny_models.config, compile="reduce-overhead"))
    assert speed.is_compiled(pipe.unet) and all(speed.is_compiled(net) for net in pipe.controlnet.nets)
    assert not speed.is_compiled(pipe.vae)
    assert type(pipe.unet).__name__ == "UNet2DConditionModel"  # still itself: config, adapters, hooks


def test_model_cpu_offload_is_wired_instead_of_moving_the_pipeline(tiny_models, monkeypatch):
    """enable_model_cpu_offload raises without an accelerator: the call itself is checked."""
    pipe, *_ = loader.load_pipeline(tiny_models.config)
    calls = []
    monkeypatch.setattr(pipe, "enable_model_cpu_offload", lambda **kw: calls.append(("offload", kw)))
    monkeypatch.setattr(pipe, "to", lambda *a, **kw: calls.append(("to", a)))
    done = speed.prepare(pipe, device="cuda", dtype=torch.float16, channels_last=True, cpu_offload=True, compile="off")
    assert calls == [("offload", {"device": "cuda"})]
    assert done["cpu_offload"] is True
    assert pipe.vae.use_slicing  # a batch of candidates is decoded one at a time


def test_the_settings_reach_the_model_config():
    values = {
        "base": "/models/sd15",
        "controlnet_openpose": "a/b",
        "controlnet_depth": "a/c",
        "controlnet_mlsd": "a/d",
        "annotators": "a/e",
        "device": "cuda",
        "dtype": "auto",
        "compile": "reduce-overhead",
        "cpu_offload": False,
        "channels_last": "0",
        "vae": "madebyollin/sd-vae-fp16-fix",
    }
    config = ModelConfig.from_settings(SimpleNamespace(ARTWORK_MODELS=values))
    assert (config.compile, config.cpu_offload, config.channels_last, config.vae) == (
        "reduce-overhead",
        False,
        False,
        "madebyollin/sd-vae-fp16-fix",
    )


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"compile": "fast"}, "compile"),
        ({"cpu_offload": True, "device": "cpu"}, "cpu_offload"),
        ({"cpu_offload": True, "compile": "reduce-overhead", "device": "cuda"}, "cpu_offload and compile"),
        ({"channels_last": "yes"}, "channels_last"),
    ],
)
def test_a_wrong_gpu_setting_is_refused_with_its_name(tiny_models, changes, named):
    with pytest.raises(ValueError, match=named):
        replace(tiny_models.config, **changes)


# --- few-step styles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheduler, cls",
    [("lcm", "LCMScheduler"), ("tcd", "TCDScheduler"), ("ddim-trailing", "DDIMScheduler")],
)
def test_a_few_step_style_paints_with_its_lora_beside_the_styles_and_its_scheduler(
    models, photo, tiny_models, distilled_lora, scheduler, cls
):
    style_lora = tiny_models.loras["watercolor"]
    styled = dict(lora_name="watercolor", lora_path=style_lora, lora_scale=0.8, steps=4, guidance_scale=1.0)
    fast = FewStepLora(name="few_step:tiny-lcm", path=distilled_lora, scale=1.0, scheduler=scheduler)

    painted = paint(models, request(photo, **styled, few_step=fast))
    assert painted.parameters["scheduler"] == cls
    assert painted.parameters["few_step"] == {"lora": "few_step:tiny-lcm", "scale": 1.0, "scheduler": scheduler}
    assert painted.parameters["steps_run"] == 4
    assert sorted(models.pipe.get_active_adapters()) == sorted(
        [adapter_name("watercolor"), adapter_name("few_step:tiny-lcm")]
    )
    if scheduler == "ddim-trailing":
        assert painted.parameters["scheduler_config"]["timestep_spacing"] == "trailing"
    assert models.pipe.scheduler.config.timestep_spacing != "trailing"  # the model's own is back at once
    assert speed.uses_sdpa(models.pipe)  # loading LoRAs through peft leaves SDPA in place

    # The next painting of a plain style gets the model's scheduler and the style's LoRA alone.
    plain = paint(models, request(photo, **styled))
    assert plain.parameters["scheduler"] == "DDIMScheduler"
    assert plain.parameters["few_step"] is None
    assert models.pipe.get_active_adapters() == [adapter_name("watercolor")]
    assert models.pipe.scheduler.config.timestep_spacing != "trailing"
    assert (pixels(plain.image) != pixels(painted.image)).any()


def test_the_few_step_lora_is_what_changes_the_painting(models, photo, distilled_lora):
    """Same scheduler, same steps: the distillation LoRA at 0 gives the painting without it."""
    off = FewStepLora(name="few_step:tiny-lcm", path=distilled_lora, scale=0.0, scheduler="lcm")
    on = replace(off, scale=1.0)
    without = paint(models, request(photo, steps=4, guidance_scale=1.0, few_step=off)).image
    with_it = paint(models, request(photo, steps=4, guidance_scale=1.0, few_step=on)).image
    again = paint(models, request(photo, steps=4, guidance_scale=1.0, few_step=on)).image
    assert (pixels(without) != pixels(with_it)).any()
    assert pixels(with_it).tobytes() == pixels(again).tobytes()


def test_a_few_step_painting_with_a_wrong_scheduler_is_refused_by_name(photo):
    with pytest.raises(ValueError, match="few_step.scheduler"):
        request(photo, few_step=FewStepLora(name="x", path="/x.safetensors", scale=1.0, scheduler="euler a"))


def test_a_style_s_few_step_settings_are_checked_with_the_bad_key_named(db):
    good = {"kind": "lcm", "lora": "lcm-lora-sdv1-5.safetensors", "steps": 6}
    assert few_step.parse(good) == few_step.FewStep(
        kind="lcm", lora="lcm-lora-sdv1-5.safetensors", scheduler="lcm", steps=6, guidance_scale=1.0, lora_scale=1.0
    )
    assert few_step.parse({"kind": "hyper-sd", "lora": "h.safetensors", "steps": 2}).scheduler == "tcd"
    for bad, named in [
        ({**good, "steps": 0}, "few_step.steps"),
        ({**good, "steps": "6"}, "few_step.steps"),
        ({**good, "kind": "turbo"}, "few_step.kind"),
        ({**good, "lora": "../../etc/passwd.safetensors"}, "few_step.lora"),
        ({**good, "lora": "weights.ckpt"}, "few_step.lora"),
        ({**good, "scheduler": "euler a"}, "few_step.scheduler"),
        ({**good, "guidance_scale": float("nan")}, "few_step.guidance_scale"),
        ({**good, "lora_scale": 3}, "few_step.lora_scale"),
        ({**good, "speed": "max"}, "unknown keys speed"),
        (["lcm"], "JSON object"),
    ]:
        style = Style(name="Fast", slug="fast", few_step=bad)
        with pytest.raises(ValidationError, match=named):
            style.full_clean()


def test_a_few_step_style_s_request_takes_its_steps_cfg_lora_and_scheduler(settings, photo, tmp_path):
    settings.LORA_ROOT = tmp_path
    style = Style(name="Fast", slug="fast", few_step={"kind": "tcd", "lora": "tcd.safetensors", "steps": 8})
    base = request(photo, steps=30, guidance_scale=7.0, strength=0.6)
    fast = rendering.with_few_step(style, base)
    assert (fast.steps, fast.guidance_scale) == (8, 1.0)
    assert fast.few_step == FewStepLora(
        name="few_step:tcd.safetensors", path=str(tmp_path / "tcd.safetensors"), scale=1.0, scheduler="tcd"
    )
    assert rendering.with_few_step(Style(name="Slow", slug="slow"), base) is base
